using DeltaTui.Training.Checkpoints;
using System.Diagnostics;
using System.Runtime.InteropServices;
using DeltaTui.Training.Dpo;
using DeltaTui.Training.Masks;
using Xunit;

namespace DeltaTui.Training.Tests.Dpo;

/// <summary>`deltatui train` in a child process, stopped with SIGTERM mid-run.</summary>
public partial class TrainCommandSignalTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("train-sigterm-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private static string AppDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "DeltaTui", "bin", "Release", "net10.0", "DeltaTui.dll");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"DeltaTui.dll (Release) not found above {AppContext.BaseDirectory}; build the solution first");
    }

    [Fact]
    public async Task Given_a_headless_run_When_it_gets_SIGTERM_Then_it_saves_loadable_masks_scores_and_a_checkpoint_and_exits()
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            WorkingDirectory = _root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     AppDll(), "train", "--headless", "--run.name", "sig", "--run.device", "cpu", "--run.output_root", Path.Combine(_root, "runs"),
                     "--masks.output_dir", Path.Combine(_root, "masks"), "--training.steps", "100000", "--masks.mask_interval", "0",
                 })
            start.ArgumentList.Add(arg);
        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync(ct);
        var stderr = child.StandardError.ReadToEndAsync(ct);

        var metrics = Path.Combine(_root, "runs", "sig", "metrics.jsonl");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(File.Exists(metrics) && (await ReadShared(metrics)).Contains("\"type\":\"StepCompleted\"", StringComparison.Ordinal)))
        {
            if (child.HasExited) Assert.Fail($"the child exited early ({child.ExitCode}): {await stdout} {await stderr}");
            Assert.True(DateTime.UtcNow < deadline, "no step finished within 60 s");
            await Task.Delay(100, ct);
        }
        Assert.Equal(0, Kill(child.Id, 15));
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await child.WaitForExitAsync(timeout.Token);
        }

        var output = await stdout;
        Assert.True(child.ExitCode is 0 or 143, $"exit code {child.ExitCode}: {await stderr}");
        Assert.Contains("stopped at step", output);
        foreach (var method in ScoreMethodNames.All)
        {
            var file = Assert.Single(Directory.GetFiles(Path.Combine(_root, "masks", "sig"), $"{method.ToName()}-step*.pt"));
            using var loaded = MaskFile.Load(file);
            Assert.True(loaded.Masks.Count > 0);
        }
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "runs", "sig"), "scores-step*.safetensors"));
        Assert.NotNull(new CheckpointStore(Path.Combine(_root, "runs", "sig", "checkpoints")).FindLatestComplete());
        Assert.Contains("\"type\":\"RunFinished\"", await ReadShared(metrics));
    }

    private static async Task<string> ReadShared(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
