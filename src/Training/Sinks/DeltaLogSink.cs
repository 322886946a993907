using System.Text;
using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Core.IO;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// Appends each weight-delta measurement (<see cref="DeltaStatsComputed"/>) to delta_log.jsonl in the run folder,
/// one JSON object per line: "step", "time", then "tensors" with name, elements, norm, relative_norm, max_abs and
/// fraction_updated (a non-finite number as a string, e.g. "Infinity"). Each line is appended durably (<see cref="AtomicFile.Append"/>); a resumed run appends to the same file.
/// </summary>
public sealed class DeltaLogSink(string runDirectory) : IEventSink
{
    public const string FileName = "delta_log.jsonl";

    public string FilePath { get; } = Path.Combine(runDirectory, FileName);

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        if (e is DeltaStatsComputed stats) AtomicFile.Append(FilePath, Encoding.UTF8.GetBytes(ToJsonLine(stats) + "\n"));
        return ValueTask.CompletedTask;
    }

    /// <summary>One JSON line of delta_log.jsonl.</summary>
    public static string ToJsonLine(DeltaStatsComputed stats)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("step", stats.Step);
            writer.WriteString("time", stats.Time.ToUniversalTime().ToString("O"));
            writer.WriteStartArray("tensors");
            foreach (var t in stats.Tensors)
            {
                writer.WriteStartObject();
                writer.WriteString("name", t.Name);
                writer.WriteNumber("elements", t.Elements);
                WriteNumber(writer, "norm", t.Norm);
                WriteNumber(writer, "relative_norm", t.RelativeNorm);
                WriteNumber(writer, "max_abs", t.MaxAbs);
                WriteNumber(writer, "fraction_updated", t.FractionUpdated);
                if (t.ScaleRelativeNorm is double scale) WriteNumber(writer, "scale_relative_norm", scale);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteString(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
