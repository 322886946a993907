using System.Diagnostics;
using System.Globalization;
using DeltaTui.Benchmarks;

namespace DeltaTui.Tests.Cli;

/// <summary>A small real benchmark living in the test assembly, so discovery can be checked against a known set.</summary>
public sealed class ArithmeticSeriesBenchmark : IBenchmark
{
    public string Name => "series";

    public string Description => "sums 1..n (--n, default 1000)";

    public Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken)
    {
        long n = arguments.TryGetValue("n", out string? text) ? long.Parse(text, CultureInfo.InvariantCulture) : 1000;
        var watch = Stopwatch.StartNew();
        long sum = 0;
        for (long i = 1; i <= n; i++)
            sum += i;
        output.WriteLine($"n={n} sum={sum} time={watch.Elapsed.TotalMilliseconds:F3} ms");
        return Task.FromResult(0);
    }
}

/// <summary>Not discoverable: a benchmark needs a public parameterless constructor.</summary>
public sealed class ParameterisedBenchmark(int size) : IBenchmark
{
    public string Name => $"parameterised-{size}";

    public string Description => "cannot be created by reflection";

    public Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken) => Task.FromResult(0);
}
