using System.Text;
using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Core.IO;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// Appends each sample completion (<see cref="SamplesGenerated"/>) to samples.jsonl in the run folder, one JSON object per
/// prompt per evaluation: "step", "time", "index", "who" (policy or reference), "prompt", "chosen", "rejected", "completion",
/// "tokens", "stopped". An event's lines go out in one write, flushed to disk (a crash leaves whole evaluations, at most the
/// last one torn); transient I/O errors are retried (<see cref="AtomicFile.Append"/>). A resumed run appends to the same file.
/// </summary>
public sealed class SamplesSink(string runDirectory) : IEventSink
{
    public const string FileName = "samples.jsonl";

    public string FilePath { get; } = Path.Combine(runDirectory, FileName);

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        if (e is SamplesGenerated samples && samples.Samples.Count > 0)
        {
            var bytes = Encoding.UTF8.GetBytes(string.Concat(samples.Samples.Select(s => ToJsonLine(samples, s) + "\n")));
            AtomicFile.Append(FilePath, bytes);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>One JSON line of samples.jsonl.</summary>
    public static string ToJsonLine(SamplesGenerated e, SampleCompletion s)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("step", e.Step);
            writer.WriteString("time", e.Time.ToUniversalTime().ToString("O"));
            writer.WriteNumber("index", s.Index);
            writer.WriteString("who", s.Who == SampleSource.Reference ? "reference" : "policy");
            writer.WriteString("prompt", s.Prompt);
            writer.WriteString("chosen", s.Chosen);
            writer.WriteString("rejected", s.Rejected);
            writer.WriteString("completion", s.Completion);
            writer.WriteNumber("tokens", s.Tokens);
            writer.WriteBoolean("stopped", s.Stopped);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
