using System.Globalization;
using System.Text;
using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Core.IO;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// The profiled steps of a run (training.profile) and their summary: per phase, the median over the
/// applied steps after the first <see cref="WarmupSteps"/> profiled ones, whose times are dominated by
/// allocator growth and first-call kernel setup. The summary goes to profile.json in the run folder.
/// </summary>
public sealed class StepProfile
{
    public const string FileName = "profile.json";

    /// <summary>Profiled steps left out of the medians when there are more than this many.</summary>
    public const int WarmupSteps = 3;

    private readonly List<StepProfiled> _steps = [];

    public IReadOnlyList<StepProfiled> Steps => _steps;

    public void Add(StepProfiled step) => _steps.Add(step);

    /// <summary>The medians of the steps so far; with <see cref="WarmupSteps"/> or fewer steps, none is left out.</summary>
    public ProfileSummarized Summarize(string path)
    {
        var warmup = _steps.Count > WarmupSteps ? WarmupSteps : 0;
        var counted = _steps.Skip(warmup).Where(s => !s.Skipped).ToList();
        var medians = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var phase in StepPhases.All)
            medians[phase] = Median(counted.Select(s => s.PhaseMilliseconds.GetValueOrDefault(phase)));
        return new ProfileSummarized(_steps.Count, warmup, counted.Count, medians, Median(counted.Select(s => s.TotalMilliseconds)), path);
    }

    /// <summary>Writes <paramref name="summary"/> as profile.json (atomically: a reader never sees half a file).</summary>
    public static void Write(ProfileSummarized summary, string device)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("device", device);
            writer.WriteNumber("steps_profiled", summary.StepsProfiled);
            writer.WriteNumber("warmup_steps_excluded", summary.WarmupStepsExcluded);
            writer.WriteNumber("steps_in_median", summary.StepsInMedian);
            writer.WriteStartObject("median_ms");
            foreach (var (phase, ms) in summary.MedianPhaseMilliseconds) WriteNumber(writer, phase, ms);
            WriteNumber(writer, "total", summary.MedianTotalMilliseconds);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(summary.Path, buffer.ToArray());
    }

    /// <summary>One line for the run log: "phase 12.3 ms" per phase, largest first, then the total.</summary>
    public static string Describe(ProfileSummarized summary)
    {
        var text = new StringBuilder($"step profile, median over {summary.StepsInMedian} of {summary.StepsProfiled} steps: ");
        text.AppendJoin(", ", summary.MedianPhaseMilliseconds.Where(p => p.Value > 0).OrderByDescending(p => p.Value)
            .Select(p => $"{p.Key} {Format(p.Value)} ms"));
        text.Append($"; total {Format(summary.MedianTotalMilliseconds)} ms ({summary.Path})");
        return text.ToString();
    }

    /// <summary>Aligned rows "phase  ms  share of the total", in step order, for a console.</summary>
    public static IReadOnlyList<string> Table(ProfileSummarized summary)
    {
        var rows = new List<string> { $"step profile: median ms over {summary.StepsInMedian} of {summary.StepsProfiled} steps (first {summary.WarmupStepsExcluded} left out)" };
        var total = summary.MedianTotalMilliseconds;
        foreach (var (phase, ms) in summary.MedianPhaseMilliseconds)
            rows.Add($"  {phase,-18} {Format(ms),10} {(total > 0 ? 100 * ms / total : 0).ToString("0.0", CultureInfo.InvariantCulture) + "%",7}");
        rows.Add($"  {"total",-18} {Format(total),10}");
        return rows;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Format(double ms) => ms.ToString("0.000", CultureInfo.InvariantCulture);

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }
}
