using System.Text;
using DeltaTui.Core.Events;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// Appends every event to metrics.jsonl as one JSON object per line (<see cref="RunEventJson"/>:
/// "type", then the event's fields in snake_case: "time", "step", "metrics", ...), so replay reads
/// back the same records. Each line is flushed so a crash or a watcher of a running run sees
/// everything published so far.
/// </summary>
public sealed class JsonlSink : IEventSink
{
    private readonly FileStream _stream;

    public JsonlSink(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        FilePath = path;
    }

    public string FilePath { get; }

    public async ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        var line = Encoding.UTF8.GetBytes(RunEventJson.Serialize(e) + "\n");
        await _stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.FlushAsync().ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
