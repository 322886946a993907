using System.Text;
using DeltaTui.Core.IO;
using Xunit;

namespace DeltaTui.Training.Tests.IO;

public sealed class AtomicFileAppendTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("append-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Given_a_missing_file_When_lines_are_appended_twice_Then_it_holds_both_in_order_and_no_temp_file()
    {
        var path = Path.Combine(_folder, "log.jsonl");

        AtomicFile.Append(path, Encoding.UTF8.GetBytes("{\"a\":1}\n"));
        AtomicFile.Append(path, Encoding.UTF8.GetBytes("{\"b\":2}\n{\"c\":3}\n"));

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"], File.ReadAllLines(path));
        Assert.Equal(["log.jsonl"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }
}
