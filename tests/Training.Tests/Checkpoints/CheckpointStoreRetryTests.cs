using DeltaTui.Training.Tests.Dpo;
using DeltaTui.Training.Checkpoints;
using DeltaTui.Training.Dpo;
using Xunit;

namespace DeltaTui.Training.Tests.Checkpoints;

public sealed class CheckpointStoreRetryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deltatui-ckpt-retry-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Given_a_transient_write_failure_When_saving_a_checkpoint_Then_it_is_written_again_and_completes_with_no_leftovers()
    {
        var store = new CheckpointStore(_dir);
        var attempts = 0;

        var folder = store.Save(7, writer =>
        {
            attempts++;
            writer.WriteFile("model.bin", s => s.Write("weights"u8));
            if (attempts == 1) throw new IOException("the network filesystem went away for a moment");
        });

        Assert.Equal(2, attempts);
        Assert.Equal(CheckpointStore.FolderName(7), Path.GetFileName(folder));
        Assert.Equal("weights", File.ReadAllText(Path.Combine(folder, "model.bin")));
        Assert.True(File.Exists(Path.Combine(folder, CheckpointManifest.FileName)));
        Assert.Equal([folder], Directory.GetDirectories(_dir));
    }

    [Fact]
    public void Given_a_lasting_failure_When_saving_Then_the_error_names_the_checkpoint_and_nothing_is_left()
    {
        var store = new CheckpointStore(_dir);

        var error = Assert.Throws<IOException>(() => store.Save(3, _ => throw new IOException("disk keeps failing")));

        Assert.Contains(CheckpointStore.FolderName(3), error.Message);
        Assert.Contains("attempt", error.Message);
        Assert.Empty(Directory.GetDirectories(_dir));
    }
}
