using DeltaTui.Cli;
using Xunit;

namespace DeltaTui.Tests.Cli;

/// <summary>Runs the real command line in this process and captures what it prints.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await DeltaTuiCli.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
