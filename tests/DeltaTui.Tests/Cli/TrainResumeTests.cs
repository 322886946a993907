using System.Security.Cryptography;
using Xunit;

namespace DeltaTui.Tests.Cli;

/// <summary>`deltatui train --resume` of the embedded demo, in this process.</summary>
public class TrainResumeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("train-resume-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Runs => Path.Combine(_root, "runs");

    private string[] Settings(params string[] more) =>
    [
        "--run.device", "cpu", "--run.output_root", Runs, "--masks.output_dir", Path.Combine(_root, "masks"),
        "--masks.mask_interval", "0", "--training.eval_every", "0", "--telemetry.enabled", "false", .. more,
    ];

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(_root, f),
            f => $"{File.GetLastWriteTimeUtc(f):O} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}");

    [Fact]
    public async Task Given_a_finished_run_When_it_is_resumed_Then_it_says_so_naming_the_checkpoint_and_exits_0_without_touching_a_file()
    {
        var first = await CliRun.Of(["train", "--headless", "--run.name", "done", .. Settings("--training.steps", "2")]);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        var before = Snapshot();

        var resumed = await CliRun.Of(["train", "--headless", "--resume", Path.Combine(Runs, "done"), .. Settings()]);

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Contains("is finished", resumed.Output);
        Assert.Contains(Path.Combine("checkpoints", "step-0000002"), resumed.Output);
        Assert.Contains("at step 2 of 2", resumed.Output);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Given_an_unfinished_run_When_it_is_resumed_Then_its_first_line_and_first_event_name_the_checkpoint_its_step_and_its_SHA_check()
    {
        var first = await CliRun.Of(["train", "--headless", "--run.name", "part", .. Settings("--training.steps", "2")]);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        var metrics = Path.Combine(Runs, "part", "metrics.jsonl");
        var linesBefore = File.ReadAllLines(metrics).Length;

        var resumed = await CliRun.Of(["train", "--headless", "--resume", Path.Combine(Runs, "part"), .. Settings("--training.steps", "3")]);

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        var firstLine = resumed.Output.Split('\n')[0];
        Assert.Contains("resuming from checkpoint", firstLine);
        Assert.Contains(Path.Combine("checkpoints", "step-0000002"), firstLine);
        Assert.Contains("at step 2 of 3", firstLine);
        Assert.Contains("SHA-256 of all", firstLine);
        var firstEvent = File.ReadAllLines(metrics)[linesBefore];
        Assert.Contains("\"type\":\"LogMessage\"", firstEvent);
        Assert.Contains("resuming from checkpoint", firstEvent);
        Assert.Contains("step-0000002 at step 2", firstEvent);
        Assert.Contains("matches the manifest", firstEvent);
    }
}
