using System.Globalization;
using DeltaTui.Benchmarks;
using Xunit;

namespace DeltaTui.Tests.Diagnostics;

public class OptimizerBenchmarkTests(ITestOutputHelper output)
{
    private static List<string[]> Rows(string text) =>
        text.Split('\n').Where(l => l.StartsWith("BSR-AdamW ") || l.StartsWith("AdamW") || l.StartsWith("TorchSharp AdamW"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

    [Fact]
    public async Task Given_a_small_cpu_slice_When_benchmarking_Then_every_configuration_gets_a_timed_row_with_proportional_state()
    {
        var writer = new StringWriter();
        var args = new Dictionary<string, string>
        {
            ["device"] = "cpu", ["layers"] = "1", ["block-sizes"] = "32", ["densities"] = "1,0.25", ["dtypes"] = "fp32", ["steps"] = "1",
        };
        var code = await new OptimizerBenchmark().RunAsync(writer, args, TestContext.Current.CancellationToken);
        output.WriteLine(writer.ToString());
        Assert.Equal(0, code);
        var rows = Rows(writer.ToString());
        // TorchSharp AdamW, native dense AdamW (norm computed, then given), then BSR-AdamW at each density.
        Assert.Equal(5, rows.Count);
        Assert.Equal(["AdamW", "native-cpu"], rows[1][..2]);
        Assert.Equal(["AdamW+norm", "native-cpu"], rows[2][..2]);
        Assert.Contains("native-cpu", writer.ToString());
        foreach (var row in rows.Skip(1))
        {
            var density = double.Parse(row[^6], CultureInfo.InvariantCulture);
            var ms = double.Parse(row[^5], CultureInfo.InvariantCulture);
            var hostMicroseconds = double.Parse(row[^4], CultureInfo.InvariantCulture);
            var stateOverDense = double.Parse(row[^1], CultureInfo.InvariantCulture);
            Assert.True(ms > 0);
            // On the CPU the step runs inside the call: the host time is (nearly) the whole step.
            Assert.InRange(hostMicroseconds, 0, ms * 1000 * 1.01);
            Assert.InRange(stateOverDense, density * 0.95, density * 1.05);
        }
    }

    [Fact]
    public async Task Given_a_bad_block_size_When_benchmarking_Then_it_exits_2_with_the_reason()
    {
        var writer = new StringWriter();
        var code = await new OptimizerBenchmark().RunAsync(writer, new Dictionary<string, string> { ["device"] = "cpu", ["block-sizes"] = "24" }, TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.Contains("24 is not one of", writer.ToString());
    }

    /// <summary>
    /// The full GPU table: DELTATUI_OPTIMIZER_BENCH=full runs every block size and density on all
    /// 127 weights (the numbers in docs/results.md); otherwise a small slice.
    /// </summary>
    [Fact]
    [Trait("gpu", "true")]
    public async Task Given_a_gpu_When_benchmarking_Then_the_native_cuda_backend_times_every_configuration()
    {
        var full = Environment.GetEnvironmentVariable("DELTATUI_OPTIMIZER_BENCH") == "full";
        var args = full ? new Dictionary<string, string>() : new Dictionary<string, string>
        {
            ["layers"] = "2", ["embed"] = "false", ["block-sizes"] = "32", ["densities"] = "1,0.1", ["steps"] = "3",
        };
        var writer = new StringWriter();
        var code = await new OptimizerBenchmark().RunAsync(writer, args, TestContext.Current.CancellationToken);
        output.WriteLine(writer.ToString());
        Console.WriteLine(writer.ToString());
        Assert.Equal(0, code);
        Assert.Contains("native-cuda", writer.ToString());
        Assert.All(Rows(writer.ToString()), r => Assert.True(double.Parse(r[^5], CultureInfo.InvariantCulture) > 0));
        Assert.Contains("AdamW native-cuda", writer.ToString());
    }
}
