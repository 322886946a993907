using System.Globalization;
using DeltaTui.Training.Dpo;
using DeltaTui.Core.Events;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// The headless progress line: "step 40/200  loss 0.5123  margin 0.412  acc 0.81  1,234 tok/s  ETA 1m12s",
/// at most one per <paramref name="minimumInterval"/> (plus the first and last step), and one line for
/// every eval, save, warning, skipped step and the end of the run; a profiled run ends with its table of phases.
/// A failed run's line goes to <paramref name="errors"/> when given (standard error), else with the rest.
/// </summary>
public sealed class ConsoleSink(TextWriter output, TimeSpan minimumInterval, TimeProvider? timeProvider = null, TextWriter? errors = null) : IEventSink
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private DateTimeOffset? _firstStepAt;
    private int _firstStep;
    private DateTimeOffset _lastPrintedAt = DateTimeOffset.MinValue;

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        var line = Format(e);
        if (line is not null)
        {
            var writer = e is RunFailed && errors is not null ? errors : output;
            writer.WriteLine(line);
            writer.Flush();
        }
        return ValueTask.CompletedTask;
    }

    private string? Format(RunEvent e)
    {
        var now = _time.GetUtcNow();
        switch (e)
        {
            case RunStarted s:
                return $"run {s.RunName}: {s.ModelId} on {s.Device}, {s.TotalSteps} steps, {s.ParameterCount:N0} parameters, {s.Optimizer}, {s.LossType} loss -> {s.RunDirectory}";
            case StepCompleted step:
                if (_firstStepAt is null) { _firstStepAt = now; _firstStep = step.Step; }
                var isEdge = step.Step == _firstStep || step.Step >= step.TotalSteps;
                if (!isEdge && now - _lastPrintedAt < minimumInterval) return null;
                _lastPrintedAt = now;
                return FormatStep(step, now);
            case EvalCompleted eval:
                return $"eval @ {eval.Step}: " + string.Join("  ", eval.Metrics
                    .Where(kv => kv.Key.EndsWith(DpoMetricNames.Loss, StringComparison.Ordinal) || kv.Key.Contains("rewards/"))
                    .Select(kv => $"{kv.Key.Replace(DpoMetricNames.EvalPrefix, "", StringComparison.Ordinal)} {Number(kv.Value)}"));
            case StepSkipped skipped:
                return $"step {skipped.Step} skipped ({skipped.Reason}); {skipped.Consecutive} in a row, {skipped.TotalSkipped} in all";
            case MaskSaved mask: return $"saved {mask.Method} mask (sparsity {mask.Sparsity:0.###}) @ {mask.Step}: {mask.Path}";
            case CheckpointSaved checkpoint: return $"saved checkpoint @ {checkpoint.Step}: {checkpoint.Path}";
            case DataRowsSkipped rows: return $"warning: {rows.Describe()}";
            case IouFailed failed: return $"IoU @ {failed.Step} failed: {failed.Message}";
            case LogMessage { Level: not LogLevel.Info } log: return $"{log.Level.ToString().ToLowerInvariant()}: {log.Message}";
            case RunFinished finished:
                return $"{(finished.Stopped ? "stopped" : "finished")} at step {finished.Step}; {finished.SavedFiles.Count} files saved in {finished.RunDirectory}";
            case RunFailed failed: return $"run failed at step {failed.Step}: {failed.Message}";
            case ProfileSummarized profile: return string.Join(Environment.NewLine, StepProfile.Table(profile));
            default: return null;
        }
    }

    private string FormatStep(StepCompleted step, DateTimeOffset now)
    {
        var parts = new List<string> { $"step {step.Step}/{step.TotalSteps}" };
        void Add(string label, string key, string format = "0.0000")
        {
            if (step.Metrics.TryGetValue(key, out var v)) parts.Add($"{label} {v.ToString(format, CultureInfo.InvariantCulture)}");
        }
        Add("loss", DpoMetricNames.Loss);
        Add("margin", DpoMetricNames.RewardsMargins, "0.000");
        Add("acc", DpoMetricNames.RewardsAccuracies, "0.00");
        Add("tok/s", DpoMetricNames.TokensPerSecond, "#,0");
        var done = step.Step - _firstStep;
        if (done > 0 && _firstStepAt is { } start && step.Step < step.TotalSteps)
        {
            var perStep = (now - start) / done;
            parts.Add("ETA " + Duration(perStep * (step.TotalSteps - step.Step)));
        }
        return string.Join("  ", parts);
    }

    private static string Number(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

    internal static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.Seconds}s";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
