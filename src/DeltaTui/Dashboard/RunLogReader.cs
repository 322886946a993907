using System.Text;
using System.Threading.Channels;
using DeltaTui.Core.Events;

namespace DeltaTui.Dashboard;

/// <summary>
/// Reads a run's metrics.jsonl back into events, for `deltatui replay` (once) and `watch` (following
/// the file as the run appends). A line that is not a known event is reported, never fatal; a last
/// line without its newline is still being written and is read on the next poll.
/// </summary>
public sealed class RunLogReader(string path)
{
    public string Path { get; } = path;

    public List<string> Problems { get; } = [];

    public static string Locate(string runOrFile)
    {
        string candidate = Directory.Exists(runOrFile) ? System.IO.Path.Combine(runOrFile, "metrics.jsonl") : runOrFile;
        if (!File.Exists(candidate))
            throw new FileNotFoundException($"no metrics.jsonl at {candidate} (give a run folder such as runs/<name>, or the file itself)", candidate);
        return candidate;
    }

    public IEnumerable<RunEvent> ReadAll()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, true));
        int lineNumber = 0;
        string? line;
        while ((line = ReadLineSafe(reader, ref lineNumber)) is not null)
            if (Parse(line, lineNumber) is { } e) yield return e;
    }

    /// <summary>Publishes every complete line, then keeps polling for more until cancelled.</summary>
    public async Task FollowAsync(ChannelWriter<RunEvent> writer, TimeSpan poll, CancellationToken cancellationToken)
    {
        long offset = 0;
        int lineNumber = 0;
        var pending = new StringBuilder();
        var buffer = new byte[1 << 16];
        var decoder = new UTF8Encoding(false, false).GetDecoder();
        var chars = new char[buffer.Length];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    if (stream.Length < offset) { offset = 0; pending.Clear(); lineNumber = 0; } // truncated or replaced: start over
                    stream.Seek(offset, SeekOrigin.Begin);
                    int read;
                    while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        offset += read;
                        int n = decoder.GetChars(buffer, 0, read, chars, 0);
                        pending.Append(chars, 0, n);
                        string text = pending.ToString();
                        int last = text.LastIndexOf('\n');
                        if (last < 0) continue;
                        foreach (var line in text[..last].Split('\n'))
                        {
                            lineNumber++;
                            if (Parse(line.TrimEnd('\r'), lineNumber) is { } e) await writer.WriteAsync(e, cancellationToken).ConfigureAwait(false);
                        }
                        pending.Clear().Append(text, last + 1, text.Length - last - 1);
                    }
                }
                await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        finally { writer.TryComplete(); }
    }

    private RunEvent? Parse(string line, int lineNumber)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        if (RunEventJson.TryDeserialize(line, out var e, out var error)) return e;
        if (Problems.Count < 100) Problems.Add($"{Path}:{lineNumber}: {error}");
        return null;
    }

    private string? ReadLineSafe(StreamReader reader, ref int lineNumber)
    {
        try
        {
            string? line = reader.ReadLine();
            if (line is not null) lineNumber++;
            return line;
        }
        catch (DecoderFallbackException)
        {
            Problems.Add($"{Path}:{lineNumber + 1}: not UTF-8; the rest of the file was not read");
            return null;
        }
    }
}
