using DeltaTui.Core.IO;
using Xunit;

namespace DeltaTui.Training.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private static readonly AtomicFileOptions FastRetries = new(MaxRetries: 2, BaseDelay: TimeSpan.FromMilliseconds(1));
    private readonly string _folder = Directory.CreateTempSubdirectory("atomic-file-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Given_an_existing_file_When_the_writer_fails_midway_Then_the_old_content_stays_and_no_temp_file_is_left()
    {
        var path = Path.Combine(_folder, "masks.pt");
        File.WriteAllText(path, "old");

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("new partial"u8);
            throw new InvalidOperationException("writer broke");
        }, FastRetries));

        Assert.Equal("writer broke", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void Given_a_transient_IOException_on_the_first_attempt_When_writing_Then_it_is_retried_and_the_file_is_complete()
    {
        var path = Path.Combine(_folder, "scores.bin");
        var attempts = 0;

        AtomicFile.Write(path, stream =>
        {
            attempts++;
            stream.Write("abc"u8);
            if (attempts == 1) throw new IOException("stale file handle");
            stream.Write("def"u8);
        }, FastRetries);

        Assert.Equal(2, attempts);
        Assert.Equal("abcdef", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void Given_an_IOException_on_every_attempt_When_writing_Then_the_error_names_the_path_and_the_attempts()
    {
        var path = Path.Combine(_folder, "stuck.bin");
        var attempts = 0;

        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, _ =>
        {
            attempts++;
            throw new IOException("network share went away");
        }, FastRetries));

        Assert.Equal(3, attempts);
        Assert.Contains(path, error.Message);
        Assert.Contains("3 attempt", error.Message);
        Assert.Contains("network share went away", error.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Given_a_missing_folder_When_writing_Then_the_folder_is_created_and_the_file_replaces_nothing()
    {
        var path = Path.Combine(_folder, "masks", "run-1", "fisher-step10.pt");

        AtomicFile.WriteAllText(path, "content");

        Assert.Equal("content", File.ReadAllText(path));
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(path)!), f => AtomicFile.IsTempFileName(Path.GetFileName(f)));
    }

    [Fact]
    public void Given_an_existing_file_When_a_write_succeeds_Then_the_content_is_replaced_whole()
    {
        var path = Path.Combine(_folder, "state.json");
        File.WriteAllText(path, new string('x', 10_000));

        AtomicFile.WriteAllText(path, "short");

        Assert.Equal("short", File.ReadAllText(path));
    }
}
