using DeltaTui.Core.IO;
using DeltaTui.Training.Checkpoints;
using Xunit;

namespace DeltaTui.Training.Tests.Checkpoints;

public class UnfinishedWritesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("unfinished-writes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const int OtherProcess = 999999;

    private static string TempNameOf(string target, int pid) => $".{target}.tmp-{pid}-{Guid.NewGuid():N}";

    private string Write(string relative, int bytes)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    [Fact]
    public void Given_leftovers_of_interrupted_writes_beside_complete_files_When_removed_Then_only_the_leftovers_go_and_each_is_reported_with_its_size()
    {
        var run = Path.Combine(_root, "runs", "demo");
        var masks = Path.Combine(_root, "masks", "demo");
        var tempFile = Write(Path.Combine("runs", "demo", TempNameOf("theta0.bin", OtherProcess)), 100);
        var tempCheckpoint = Path.Combine(run, "checkpoints", TempNameOf("step-0000010", OtherProcess));
        Write(Path.Combine(tempCheckpoint, "model.bin"), 300);
        Write(Path.Combine(tempCheckpoint, "optimizer.bin"), 20);
        var tempMask = Write(Path.Combine("masks", "demo", TempNameOf("fisher-step0000010.pt", OtherProcess)), 7);
        string[] complete =
        [
            Write(Path.Combine("runs", "demo", "theta0.bin"), 50),
            Write(Path.Combine("runs", "demo", "metrics.jsonl"), 5),
            Write(Path.Combine("runs", "demo", "checkpoints", "step-0000005", "model.bin"), 30),
            Write(Path.Combine("runs", "demo", "notes.tmp-1.txt"), 3), // has the marker, is not of the scheme
            Write(Path.Combine("runs", "demo", ".hidden.tmp-12-not-a-guid"), 3),
            Write(Path.Combine("masks", "demo", "fisher-step0000005.pt"), 9),
        ];

        var removed = UnfinishedWrites.Remove([run, masks, Path.Combine(_root, "missing")]);

        Assert.Equal(
            new[] { (tempCheckpoint, 320L, true), (tempFile, 100L, false), (tempMask, 7L, false) }.OrderBy(r => r.Item1, StringComparer.Ordinal),
            removed.Select(r => (r.Path, r.Bytes, r.IsFolder)).OrderBy(r => r.Path, StringComparer.Ordinal));
        Assert.False(File.Exists(tempFile));
        Assert.False(Directory.Exists(tempCheckpoint));
        Assert.False(File.Exists(tempMask));
        Assert.All(complete, f => Assert.True(File.Exists(f), $"{f} was removed"));
        Assert.Contains("320 bytes", removed.Single(r => r.IsFolder).Describe());
    }

    [Fact]
    public void Given_a_temp_file_of_this_process_When_removed_Then_it_is_kept_since_its_write_may_be_under_way()
    {
        var own = Write(AtomicFile.TempName("config.json"), 10);

        var removed = UnfinishedWrites.Remove([_root]);

        Assert.Empty(removed);
        Assert.True(File.Exists(own));
        Assert.True(AtomicFile.IsTempFileName(Path.GetFileName(own)));
    }
}
