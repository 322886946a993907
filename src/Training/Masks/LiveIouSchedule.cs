namespace DeltaTui.Training.Masks;

/// <summary>
/// When the trainer builds masks and their IoU, and whether it fills the per-tensor rows, as changed at run time
/// through ITrainingControl (SetPerTensorIou, SetMaskInterval). Per-tensor IoU switched on is computed at once from
/// the current scores (the pane fills without waiting for the next interval), then at each mask interval;
/// switched off, no extra work is done. Not thread-safe: the trainer applies requests between steps.
/// </summary>
public sealed class LiveIouSchedule(bool perTensor, int maskInterval)
{
    /// <summary>Fill the per-tensor rows of each snapshot (--debug-jaccard at the start).</summary>
    public bool PerTensor { get; private set; } = perTensor;

    /// <summary>Steps between mask comparisons; 0 compares only at the end of the run.</summary>
    public int MaskInterval { get; private set; } = Math.Max(maskInterval, 0);

    /// <summary>Applies the requests taken from the control (null: none).</summary>
    /// <returns>True when the masks should be compared now: per-tensor IoU has just been switched on.</returns>
    public bool Apply(bool? perTensor, int? maskInterval)
    {
        if (maskInterval is int n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
            MaskInterval = n;
        }
        if (perTensor is not bool on) return false;
        bool switchedOn = on && !PerTensor;
        PerTensor = on;
        return switchedOn;
    }

    /// <summary>Whether the masks are compared after step <paramref name="step"/> (1-based: steps done).</summary>
    public bool IsDue(int step) => MaskInterval > 0 && step > 0 && step % MaskInterval == 0;
}
