namespace DeltaTui.Core.Events;

public enum RunState { Starting, Running, Paused, Stopping, Saved, Finished, Failed }

/// <summary>A run began; everything the header of the dashboard needs.</summary>
public sealed record RunStarted(
    string RunName, string ModelId, string Device, int TotalSteps, string RunDirectory,
    long ParameterCount, string Optimizer, string LossType) : RunEvent
{
    public override bool MustDeliver => true;
}

public sealed record RunStateChanged(RunState State, string? Detail = null) : RunEvent
{
    public override bool MustDeliver => true;
}

/// <summary>One optimizer step finished. Metric names follow TRL: loss, rewards/chosen, rewards/margins, ...</summary>
public sealed record StepCompleted(int Step, int TotalSteps, IReadOnlyDictionary<string, double> Metrics) : RunEvent;

/// <summary>Held-out evaluation; metric names are prefixed with "eval/".</summary>
public sealed record EvalCompleted(int Step, IReadOnlyDictionary<string, double> Metrics) : RunEvent;

/// <summary>A step whose loss or gradients were not finite was skipped.</summary>
public sealed record StepSkipped(int Step, string Reason, int Consecutive, int TotalSkipped) : RunEvent
{
    public override bool MustDeliver => true;
}

/// <summary>
/// Where the time of one step went (training.profile): milliseconds per phase, each measured after waiting for
/// the device, so GPU work is charged to the phase that queued it. Phases a step did not run are 0; Skipped
/// marks a step dropped for a non-finite loss or gradient. Names are those of <c>StepPhases</c>.
/// </summary>
public sealed record StepProfiled(int Step, bool Skipped, IReadOnlyDictionary<string, double> PhaseMilliseconds, double TotalMilliseconds) : RunEvent;

/// <summary>
/// The profile of a run at its end: the median of each phase over the applied steps after the first
/// <paramref name="WarmupStepsExcluded"/> profiled ones (allocator and kernel warm-up), also written to <paramref name="Path"/>.
/// </summary>
public sealed record ProfileSummarized(
    int StepsProfiled, int WarmupStepsExcluded, int StepsInMedian,
    IReadOnlyDictionary<string, double> MedianPhaseMilliseconds, double MedianTotalMilliseconds, string Path) : RunEvent
{
    public override bool MustDeliver => true;
}

/// <summary>
/// Per-tensor weight change against θ0. <paramref name="ScaleRelativeNorm"/> is ‖Δ‖/‖1 + θ0‖ for a weight the model
/// applies as (1 + w) (Gemma's RMSNorm scales, whose θ0 is often 0, so ‖Δ‖/‖θ0‖ says nothing); null for others.
/// </summary>
public sealed record TensorDelta(string Name, long Elements, double Norm, double RelativeNorm, double MaxAbs, double FractionUpdated,
    double? ScaleRelativeNorm = null);

public sealed record DeltaStatsComputed(int Step, IReadOnlyList<TensorDelta> Tensors) : RunEvent;

/// <summary>One row of the Jaccard table: set A against set B for one tensor (or "*" for the aggregate).</summary>
public sealed record TensorIou(
    string Comparison, string Tensor, long SizeA, long SizeB, long Intersection, long Union,
    double Iou, double OverlapOfA, double OverlapOfB, double Chance);

/// <summary>Live IoU of the masks at a mask interval. Metrics such as iou/fisher_vs_magnitude; PerTensor filled in debug mode.</summary>
public sealed record IouSnapshot(int Step, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<TensorIou> PerTensor) : RunEvent;

/// <summary>
/// A block-sparse optimizer (re)selected its active blocks: how many of all, and against the previous selection
/// the IoU of the two block sets and the blocks that came in and went out (null at the first selection).
/// Source says what chose them (first gradient, Fisher, a mask file).
/// </summary>
public sealed record ActiveSetSelected(int Step, long ActiveBlocks, long TotalBlocks, long? BlocksIn, long? BlocksOut, double? ChurnIou, string Source) : RunEvent
{
    public override bool MustDeliver => true;
}

/// <summary>The IoU computation failed; training goes on.</summary>
public sealed record IouFailed(int Step, string Message) : RunEvent
{
    public override bool MustDeliver => true;
}

public sealed record MaskSaved(int Step, string Method, string Path, double Sparsity) : RunEvent
{
    public override bool MustDeliver => true;
}

/// <summary>
/// BSR-AdamW's active blocks were (re)selected before step <paramref name="Step"/>+1: active blocks per blocked
/// weight, and why (the first selection from the gradient, or a due re-selection from the Fisher score).
/// </summary>
public sealed record BlocksSelected(int Step, IReadOnlyDictionary<string, int> ActiveBlocks, string Reason) : RunEvent;

public sealed record CheckpointSaved(int Step, string Path) : RunEvent
{
    public override bool MustDeliver => true;
}

public enum LogLevel { Info, Warning, Error }

public sealed record LogMessage(LogLevel Level, string Message) : RunEvent
{
    public override bool MustDeliver => Level != LogLevel.Info;
}

public sealed record RunFinished(int Step, string RunDirectory, IReadOnlyList<string> SavedFiles, bool Stopped) : RunEvent
{
    public override bool MustDeliver => true;
}

public sealed record RunFailed(int Step, string Message) : RunEvent
{
    public override bool MustDeliver => true;
}

/// <summary>
/// Rows of a data file that were read but not trained on: malformed rows skipped with <c>data.skip_bad_rows</c>
/// (counted by reason, the first few named by line), and rows whose prompt alone fills <c>data.max_length</c>.
/// </summary>
public sealed record DataRowsSkipped(
    string File, int RowsRead, int PairsLoaded, int BadRows, IReadOnlyDictionary<string, int> BadRowsByReason,
    IReadOnlyList<string> FirstBadRows, int PromptTooLong) : RunEvent
{
    public override bool MustDeliver => true;

    /// <summary>One line for a console or a log pane.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (BadRows > 0)
            parts.Add($"{BadRows} bad row{(BadRows == 1 ? "" : "s")} ({string.Join(", ", BadRowsByReason.Select(kv => $"{kv.Value} {kv.Key}"))})");
        if (PromptTooLong > 0) parts.Add($"{PromptTooLong} with a prompt that fills data.max_length");
        var first = FirstBadRows.Count > 0 ? $"; first: {FirstBadRows[0]}" : "";
        return $"{File}: skipped {string.Join(" and ", parts)}; {PairsLoaded} of {RowsRead} rows used{first}";
    }
}

/// <summary>Which model wrote a sample completion.</summary>
public enum SampleSource { Policy, Reference }

/// <summary>
/// One held-out prompt with the pair's chosen and rejected answers from the data and a model's greedy completion of it
/// (<paramref name="Tokens"/> new tokens; <paramref name="Stopped"/> when it ended on a stop id rather than the length cap).
/// </summary>
public sealed record SampleCompletion(
    int Index, SampleSource Who, string Prompt, string Chosen, string Rejected, string Completion, int Tokens, bool Stopped);

/// <summary>
/// Completions of the fixed held-out prompts (training.eval_samples) at <paramref name="Step"/>: the policy's at step 0 and
/// at every evaluation, the reference's once at step 0 (it never changes). <paramref name="Milliseconds"/> is what generating
/// them took (also the "samples" phase of a profiled step).
/// </summary>
public sealed record SamplesGenerated(int Step, IReadOnlyList<SampleCompletion> Samples, double Milliseconds) : RunEvent
{
    public override bool MustDeliver => true;
}
