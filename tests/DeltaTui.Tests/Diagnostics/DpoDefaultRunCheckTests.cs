using DeltaTui.Training.Config;
using DeltaTui.Validation;
using Xunit;

namespace DeltaTui.Tests.Diagnostics;

public class DpoDefaultRunCheckTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("validate-dpo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Given_the_embedded_default_When_a_few_steps_run_on_the_cpu_Then_the_check_passes_and_leaves_no_files()
    {
        var check = new DpoDefaultRunCheck(ConfigPaths.Locate(ConfigPaths.Demo), "cpu", steps: 6) { TemporaryRoot = _root };

        var outcome = check.Run(TestContext.Current.CancellationToken);

        Assert.True(outcome.Passed, outcome.Detail);
        Assert.StartsWith("loss 0.6931 at step 1 (ln 2 = 0.6931), ", outcome.Detail);
        Assert.EndsWith(" averaged over the last 1 of 6 steps on cpu", outcome.Detail);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public void Given_a_learning_rate_too_small_to_move_anything_When_the_run_ends_Then_the_check_fails_because_the_loss_did_not_decrease()
    {
        var demo = File.ReadAllText(ConfigPaths.Locate(ConfigPaths.Demo));
        var frozen = demo.Replace("\"lr\": 5e-4", "\"lr\": 1e-12", StringComparison.Ordinal);
        Assert.NotEqual(demo, frozen);
        var config = Path.Combine(_root, "frozen.json");
        File.WriteAllText(config, frozen);
        var check = new DpoDefaultRunCheck(config, "cpu", steps: 3) { TemporaryRoot = _root };

        var outcome = check.Run(TestContext.Current.CancellationToken);

        Assert.False(outcome.Passed);
        Assert.StartsWith("loss 0.6931 at step 1", outcome.Detail);
        Assert.EndsWith(": the loss did not decrease", outcome.Detail);
        Assert.Equal(["frozen.json"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName));
    }
}
