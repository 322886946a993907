using System.CommandLine;
using DeltaTui.Benchmarks;

namespace DeltaTui.Cli;

/// <summary><c>deltatui bench [NAME] [--key value ...]</c>: runs a benchmark of the Training library, or lists them.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name")
        {
            Description = "The benchmark to run; leave out to list them",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("bench", "Run a benchmark (prints a table for docs/results.md), or list the benchmarks")
        {
            name,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            IReadOnlyList<IBenchmark> benchmarks = BenchmarkCatalog.Discover(typeof(IBenchmark).Assembly);
            string? chosen = parseResult.GetValue(name);
            if (chosen is null)
            {
                await List(output, benchmarks);
                return ExitCodes.Success;
            }
            IBenchmark? benchmark = benchmarks.FirstOrDefault(b => b.Name == chosen);
            if (benchmark is null)
            {
                await error.WriteLineAsync($"deltatui bench: no benchmark named '{chosen}'");
                await List(error, benchmarks);
                return ExitCodes.Usage;
            }
            IReadOnlyDictionary<string, string>? arguments = KeyValueArguments.Parse(parseResult.UnmatchedTokens, out string problem);
            if (arguments is null)
            {
                await error.WriteLineAsync($"deltatui bench {chosen}: {problem}");
                return ExitCodes.Usage;
            }
            return await benchmark.RunAsync(output, arguments, cancellationToken);
        });
        return command;
    }

    private static async Task List(TextWriter writer, IReadOnlyList<IBenchmark> benchmarks)
    {
        if (benchmarks.Count == 0)
        {
            await writer.WriteLineAsync("no benchmarks in this build");
            return;
        }
        await writer.WriteLineAsync("benchmarks (deltatui bench NAME [--key value ...]):");
        foreach (IBenchmark benchmark in benchmarks)
            await writer.WriteLineAsync($"  {benchmark.Name,-14} {benchmark.Description}");
    }
}
