using System.Collections.Immutable;
using DeltaTui.Core.Events;

namespace DeltaTui.Dashboard.State;

/// <summary>Folds events and UI actions into the next immutable <see cref="DashboardState"/>. Pure: no I/O, no clock.</summary>
public static class DashboardReducer
{
    public static DashboardState Reduce(DashboardState state, RunEvent e)
    {
        var s = state with { EventCount = state.EventCount + 1, Now = Max(state.Now, e.Time) };
        return e switch
        {
            RunStarted r => s with
            {
                RunName = r.RunName, ModelId = r.ModelId, Device = r.Device, TotalSteps = r.TotalSteps,
                RunDirectory = r.RunDirectory, ParameterCount = r.ParameterCount, Optimizer = r.Optimizer,
                StartedAt = r.Time, EndedAt = null, RunState = RunState.Running,
                Log = AddLog(s.Log, new LogLine(r.Time, LogLevel.Info, $"run {r.RunName} started on {r.Device}: {r.TotalSteps} steps, {r.Optimizer}, {r.LossType} loss")),
            },
            RunStateChanged c => Paused(s, c.State, c.Time) with
            {
                RunState = c.State, StateDetail = c.Detail,
                Log = AddLog(s.Log, new LogLine(c.Time, LogLevel.Info, $"state: {c.State.ToString().ToLowerInvariant()}{(c.Detail is null ? "" : " - " + c.Detail)}")),
            },
            // The log line comes with BlocksSelected (or the active_from message); this one feeds the IoU panel.
            ActiveSetSelected a => s with { ActiveSet = a },
            StepCompleted step => ReduceStep(s, step),
            EvalCompleted eval => ReduceEval(s, eval),
            StepSkipped skip => s with
            {
                SkippedSteps = skip.TotalSkipped,
                Log = AddLog(s.Log, new LogLine(skip.Time, LogLevel.Warning, $"step {skip.Step} skipped ({skip.Reason}); {skip.Consecutive} in a row, {skip.TotalSkipped} in all")),
            },
            DeltaStatsComputed delta => s with { Delta = delta },
            SamplesGenerated samples => ReduceSamples(s, samples),
            IouSnapshot iou => ReduceIou(s, iou),
            IouFailed failed => s with
            {
                IouErrors = s.IouErrors.Add(new LogLine(failed.Time, LogLevel.Error, $"step {failed.Step}: {failed.Message}")),
                Log = AddLog(s.Log, new LogLine(failed.Time, LogLevel.Warning, $"IoU failed at step {failed.Step}: {failed.Message}")),
            },
            MaskSaved mask => s with
            {
                SavedFiles = s.SavedFiles.Add(mask.Path),
                Log = AddLog(s.Log, new LogLine(mask.Time, LogLevel.Info, $"saved {mask.Method} mask (sparsity {mask.Sparsity:0.###}) at step {mask.Step}: {mask.Path}")),
            },
            CheckpointSaved ckpt => s with
            {
                SavedFiles = s.SavedFiles.Add(ckpt.Path),
                Log = AddLog(s.Log, new LogLine(ckpt.Time, LogLevel.Info, $"checkpoint at step {ckpt.Step}: {ckpt.Path}")),
            },
            DataRowsSkipped rows => s with { Log = AddLog(s.Log, new LogLine(rows.Time, LogLevel.Warning, rows.Describe())) },
            LogMessage log => s with { Log = AddLog(s.Log, new LogLine(log.Time, log.Level, log.Message)) },
            BlocksSelected blocks => s with
            {
                Log = AddLog(s.Log, new LogLine(blocks.Time, LogLevel.Info,
                    $"active blocks at step {blocks.Step}: {blocks.ActiveBlocks.Values.Sum()} in {blocks.ActiveBlocks.Count} weights ({blocks.Reason})")),
            },
            RunFinished done => s with
            {
                Step = Math.Max(s.Step, done.Step),
                RunState = done.Stopped ? RunState.Saved : RunState.Finished,
                EndedAt = done.Time,
                SavedFiles = s.SavedFiles.AddRange(done.SavedFiles.Where(f => !s.SavedFiles.Contains(f))),
                Log = AddLog(s.Log, new LogLine(done.Time, LogLevel.Info, $"run {(done.Stopped ? "stopped and saved" : "finished")} at step {done.Step}; outputs in {done.RunDirectory}")),
            },
            RunFailed failed => s with
            {
                RunState = RunState.Failed, StateDetail = failed.Message, EndedAt = failed.Time,
                Log = AddLog(s.Log, new LogLine(failed.Time, LogLevel.Error, $"run failed at step {failed.Step}: {failed.Message}")),
            },
            GpuSnapshot gpu => ReduceGpu(s, gpu),
            HostSnapshot host => s with { Host = host },
            TelemetryBreakerChanged breaker => s with
            {
                BreakerStates = s.BreakerStates.SetItem(breaker.GpuIndex, breaker.State),
                Log = AddLog(s.Log, new LogLine(breaker.Time, LogLevel.Warning,
                    $"telemetry breaker for {(breaker.GpuIndex < 0 ? "NVML" : "GPU " + breaker.GpuIndex)}: {breaker.State} ({breaker.Reason})")
                    { FoldKey = $"breaker {breaker.GpuIndex}" }),
            },
            _ => s,
        };
    }

    public static DashboardState Reduce(DashboardState state, UiAction action)
    {
        var ui = state.Ui;
        ui = action switch
        {
            UiAction.ToggleJaccard => ui with { ShowJaccard = !ui.ShowJaccard, ShowSamples = false },
            // One pane over the body at a time: the Samples pane takes the place of the Jaccard pane.
            UiAction.ToggleSamples => ui with { ShowSamples = !ui.ShowSamples, ShowJaccard = false },
            UiAction.ScrollSamplesUp => ui with { SamplesScroll = Math.Max(0, ui.SamplesScroll - SamplesScrollRows) },
            UiAction.ScrollSamplesDown => ui with { SamplesScroll = ui.SamplesScroll + SamplesScrollRows },
            UiAction.ToggleDeltaPerTensor => ui with { DeltaPerTensor = !ui.DeltaPerTensor },
            UiAction.ToggleSmoothing => ui with { Smoothing = !ui.Smoothing },
            UiAction.ToggleHelp => ui with { ShowHelp = !ui.ShowHelp },
            UiAction.CycleJaccardSort => ui with { JaccardSort = (JaccardSort)(((int)ui.JaccardSort + 1) % Enum.GetValues<JaccardSort>().Length) },
            UiAction.AskStop => ui with { ConfirmingStop = true },
            UiAction.CancelStop => ui with { ConfirmingStop = false },
            UiAction.ConfirmStop => ui with { ConfirmingStop = false },
            UiAction.CloseOverlay => ui.ShowHelp ? ui with { ShowHelp = false } : ui with { ShowJaccard = false, ShowSamples = false },
            _ => ui,
        };
        var next = state with { Ui = ui };
        return action == UiAction.ConfirmStop && !state.IsOver
            ? next with { RunState = RunState.Stopping, StateDetail = "finishing the step, then saving" }
            : next;
    }

    private static DashboardState ReduceStep(DashboardState s, StepCompleted step)
    {
        var m = step.Metrics;
        var next = s with
        {
            Step = step.Step,
            TotalSteps = step.TotalSteps > 0 ? step.TotalSteps : s.TotalSteps,
            TokensPerSecond = Get(m, DpoMetricNames.TokensPerSecond) ?? s.TokensPerSecond,
            LearningRate = Get(m, DpoMetricNames.LearningRate) ?? s.LearningRate,
            LastMetrics = m.ToImmutableDictionary(),
            RunState = s.RunState is RunState.Starting ? RunState.Running : s.RunState,
        };
        if (Get(m, DpoMetricNames.Loss) is double loss) next = next with { Loss = next.Loss.Add(new SeriesPoint(step.Step, loss)) };
        if (Get(m, DpoMetricNames.RewardsMargins) is double margin) next = next with { Margins = next.Margins.Add(new SeriesPoint(step.Step, margin)) };
        if (Get(m, DpoMetricNames.RewardsAccuracies) is double acc) next = next with { Accuracies = next.Accuracies.Add(new SeriesPoint(step.Step, acc)) };
        return next;
    }

    private static DashboardState ReduceEval(DashboardState s, EvalCompleted eval)
    {
        var m = eval.Metrics;
        var next = s with { LastEvalMetrics = m.ToImmutableDictionary() };
        if (Get(m, DpoMetricNames.EvalLoss) is double loss) next = next with { EvalLoss = next.EvalLoss.Add(new SeriesPoint(eval.Step, loss)) };
        if (Get(m, DpoMetricNames.EvalRewardsMargins) is double margin) next = next with { EvalMargins = next.EvalMargins.Add(new SeriesPoint(eval.Step, margin)) };
        if (Get(m, DpoMetricNames.EvalRewardsAccuracies) is double acc) next = next with { EvalAccuracies = next.EvalAccuracies.Add(new SeriesPoint(eval.Step, acc)) };
        return next;
    }

    /// <summary>Rows a PgUp/PgDn moves the Samples pane (the view clamps the offset to its content).</summary>
    public const int SamplesScrollRows = 10;

    private static DashboardState ReduceSamples(DashboardState s, SamplesGenerated e)
    {
        var rows = s.Samples;
        foreach (var sample in e.Samples)
        {
            var at = rows.FindIndex(r => r.Index == sample.Index);
            var row = at >= 0 ? rows[at] : new SampleRow(sample.Index, sample.Prompt, sample.Chosen, sample.Rejected, null, null, null);
            row = row with { Prompt = sample.Prompt, Chosen = sample.Chosen, Rejected = sample.Rejected };
            row = sample.Who == SampleSource.Reference
                ? row with { Reference = sample.Completion }
                // An older evaluation arriving late (replay of a resumed run) never replaces a newer one.
                : row.PolicyStep is int shown && shown > e.Step ? row : row with { Policy = sample.Completion, PolicyStep = e.Step };
            rows = at >= 0 ? rows.SetItem(at, row) : rows.Add(row);
        }
        var sorted = rows.Sort((a, b) => a.Index.CompareTo(b.Index));
        return s with { Samples = sorted };
    }

    private static DashboardState ReduceIou(DashboardState s, IouSnapshot iou)
    {
        var history = s.IouHistory;
        foreach (var (name, value) in iou.Metrics)
        {
            if (name.EndsWith(DpoMetricNames.ChanceSuffix, StringComparison.Ordinal) || !name.StartsWith(DpoMetricNames.IouPrefix, StringComparison.Ordinal) || !double.IsFinite(value)) continue;
            var series = history.TryGetValue(name, out var existing) ? existing : new Bounded<SeriesPoint>(DashboardState.SeriesCapacity);
            history = history.SetItem(name, series.Add(new SeriesPoint(iou.Step, value)));
        }
        // Keep the previous per-tensor table when a snapshot comes without one (debug detail off at that moment).
        var keep = iou.PerTensor.Count == 0 && s.Iou is not null ? iou with { PerTensor = s.Iou.PerTensor } : iou;
        return s with { Iou = keep, IouHistory = history };
    }

    private static DashboardState ReduceGpu(DashboardState s, GpuSnapshot gpu)
    {
        var util = s.GpuUtilizationHistory;
        var mem = s.GpuMemoryHistory;
        foreach (var g in gpu.Gpus)
        {
            if (g.UtilizationGpuPercent is double u)
                util = util.SetItem(g.Index, (util.TryGetValue(g.Index, out var h) ? h : new Bounded<double>(DashboardState.HistoryCapacity)).Add(u));
            if (g.MemoryUsedBytes is long used && g.MemoryTotalBytes is long total && total > 0)
                mem = mem.SetItem(g.Index, (mem.TryGetValue(g.Index, out var h) ? h : new Bounded<double>(DashboardState.HistoryCapacity)).Add(100.0 * used / total));
        }
        return s with { Gpu = gpu, GpuUtilizationHistory = util, GpuMemoryHistory = mem };
    }

    /// <summary>
    /// Appends a log line; the same text (or fold key: a telemetry breaker opening and half-opening again and again)
    /// as the newest line is folded into that line with a count instead, so repeats cannot fill the pane.
    /// </summary>
    public static Bounded<LogLine> AddLog(Bounded<LogLine> log, LogLine line)
    {
        if (log.LastOrDefault is { } last && last.Level == line.Level && (last.FoldKey ?? last.Text) == (line.FoldKey ?? line.Text))
            return log.ReplaceLast(line with { Count = last.Count + 1 });
        return log.Add(line);
    }

    /// <summary>Pause bookkeeping, so elapsed training time and the ETA stand still while paused.</summary>
    private static DashboardState Paused(DashboardState s, RunState next, DateTimeOffset at)
    {
        if (next == RunState.Paused && s.PausedSince is null) return s with { PausedSince = at };
        if (next != RunState.Paused && s.PausedSince is { } since) return s with { PausedSince = null, PausedTotal = s.PausedTotal + (at - since) };
        return s;
    }

    private static double? Get(IReadOnlyDictionary<string, double> m, string key) =>
        m.TryGetValue(key, out var v) && double.IsFinite(v) ? v : null;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset b) => a is null || b > a ? b : a;
}
