using System.CommandLine;
using DeltaTui.Cli;
using Xunit;

namespace DeltaTui.Tests.Cli;

public class RootCommandTests
{
    [Fact]
    public void Given_the_command_classes_When_building_the_root_Then_each_verb_is_registered_once_with_the_libtorch_option()
    {
        RootCommand root = DeltaTuiCli.CreateRoot();

        string[] names = root.Subcommands.Select(c => c.Name).ToArray();
        Assert.Contains("doctor", names);
        Assert.Contains("bench", names);
        Assert.Equal(names.Distinct().Order(StringComparer.Ordinal), names);
        Assert.True(DeltaTuiCli.LibTorchOption.Recursive);
        Assert.Contains(DeltaTuiCli.LibTorchOption, root.Options);
    }

    [Fact]
    public async Task Given_help_When_starting_Then_the_verbs_and_the_libtorch_option_are_described()
    {
        CliRun run = await CliRun.Of("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("doctor", run.Output);
        Assert.Contains("bench", run.Output);
        Assert.Contains("--libtorch", run.Output);
        Assert.Contains("DELTATUI_LIBTORCH", run.Output);
    }
}
