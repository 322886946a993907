using DeltaTui.Training.Tests.Tokenization;
using DeltaTui.Benchmarks;
using Xunit;

namespace DeltaTui.Tests.Diagnostics;

public sealed class TokenizerBenchmarkTests
{
    [Fact]
    public async Task Given_the_real_tokenizer_and_a_small_text_When_benchmarking_Then_it_prints_every_row_and_the_round_trip_holds()
    {
        var output = new StringWriter();
        var arguments = new Dictionary<string, string> { ["path"] = RealGemma3Tokenizer.FilePath, ["mb"] = "0.02", ["loads"] = "1" };

        var exitCode = await new TokenizerBenchmark().RunAsync(output, arguments, TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Equal(0, exitCode);
        Assert.Contains("round trip exact", text, StringComparison.Ordinal);
        foreach (var row in new[] { "| load, first of 1 |", "| encode, cold cache |", "| encode, warm cache (best of 2) |", "| decode |" })
            Assert.Contains(row, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_missing_tokenizer_file_When_benchmarking_Then_it_fails_and_names_the_file()
    {
        var output = new StringWriter();
        var path = Path.Combine(Path.GetTempPath(), "missing-" + Guid.NewGuid().ToString("N"), "tokenizer.json");

        var exitCode = await new TokenizerBenchmark().RunAsync(output, new Dictionary<string, string> { ["path"] = path }, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains(path, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_non_numeric_size_When_benchmarking_Then_it_refuses_with_usage()
    {
        var output = new StringWriter();

        var exitCode = await new TokenizerBenchmark().RunAsync(output, new Dictionary<string, string> { ["path"] = "x", ["mb"] = "lots" }, TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains("--mb", output.ToString(), StringComparison.Ordinal);
    }
}
