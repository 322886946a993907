using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeltaTui.Training.Events;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// Appends every event to metrics.jsonl as one JSON object per line: "type", "time", then the
/// event's own fields in snake_case ("step", "metrics", ...). Each line is flushed so a crash or a
/// replay of a running run sees everything published so far.
/// </summary>
public sealed class JsonlSink : IEventSink
{
    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        // A diverging run produces NaN and infinities; they must survive in the log, not break it.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly FileStream _stream;

    public JsonlSink(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        FilePath = path;
    }

    public string FilePath { get; }

    public static string ToJsonLine(RunEvent e)
    {
        var fields = JsonSerializer.SerializeToElement(e, e.GetType(), SerializerOptions);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = SerializerOptions.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", e.GetType().Name);
            writer.WriteString("time", e.Time.ToUniversalTime().ToString("O"));
            foreach (var property in fields.EnumerateObject())
            {
                if (property.NameEquals("time") || property.NameEquals("must_deliver")) continue;
                property.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public async ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        var line = Encoding.UTF8.GetBytes(ToJsonLine(e) + "\n");
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
