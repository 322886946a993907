using System.Reflection;
using DeltaTui.Cli;
using DeltaTui.Benchmarks;
using Xunit;

namespace DeltaTui.Tests.Cli;

public class BenchCommandTests
{
    [Fact]
    public async Task Given_no_name_When_running_bench_Then_every_benchmark_in_the_training_library_is_listed()
    {
        CliRun run = await CliRun.Of("bench");

        Type[] implementations = typeof(IBenchmark).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetInterfaces().Contains(typeof(IBenchmark)))
            .ToArray();
        Assert.Equal(0, run.ExitCode);
        if (implementations.Length == 0)
        {
            Assert.Equal("no benchmarks in this build", run.Output.Trim());
            return;
        }
        foreach (Type type in implementations)
        {
            var benchmark = (IBenchmark)Activator.CreateInstance(type)!;
            Assert.Contains($"  {benchmark.Name,-14} {benchmark.Description}", run.Output);
        }
    }

    [Fact]
    public void Given_an_assembly_When_discovering_Then_only_creatable_benchmarks_are_found_sorted_by_name()
    {
        IReadOnlyList<IBenchmark> found = BenchmarkCatalog.Discover(Assembly.GetExecutingAssembly());

        IBenchmark series = Assert.Single(found);
        Assert.Equal("series", series.Name);
    }

    [Fact]
    public async Task Given_an_unknown_name_When_running_bench_Then_it_is_a_usage_error_listing_the_choices()
    {
        CliRun run = await CliRun.Of("bench", "no-such-benchmark");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("deltatui bench: no benchmark named 'no-such-benchmark'", run.Error);
    }

    [Fact]
    public async Task Given_parameters_When_a_benchmark_runs_Then_it_receives_them_as_key_value_pairs()
    {
        var output = new StringWriter();

        int exitCode = await new ArithmeticSeriesBenchmark().RunAsync(output,
            KeyValueArguments.Parse(["--n", "100"], out _)!, TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("n=100 sum=5050 ", output.ToString());
    }

    [Theory]
    [InlineData(new[] { "--size", "64", "--device=cuda" }, "size=64;device=cuda")]
    [InlineData(new[] { "--size", "64", "--size", "128" }, "size=128")]
    [InlineData(new string[0], "")]
    public void Given_key_value_tokens_When_parsing_Then_each_pair_is_read(string[] tokens, string expected)
    {
        IReadOnlyDictionary<string, string>? pairs = KeyValueArguments.Parse(tokens, out string error);

        Assert.NotNull(pairs);
        Assert.Equal("", error);
        Assert.Equal(expected, string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")));
    }

    [Theory]
    [InlineData(new[] { "--size" }, "--size needs a value")]
    [InlineData(new[] { "64" }, "unexpected argument '64': parameters look like --key value")]
    public void Given_malformed_tokens_When_parsing_Then_the_reason_is_given(string[] tokens, string expected)
    {
        Assert.Null(KeyValueArguments.Parse(tokens, out string error));
        Assert.Equal(expected, error);
    }
}
