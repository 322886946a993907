namespace DeltaTui.Core.Control;

/// <summary>
/// The only way back from a front end to a running engine. Requests are queued and acted on
/// between steps; none of them blocks the caller.
/// </summary>
public interface ITrainingControl
{
    /// <summary>Save Magnitude, Momentum and Fisher masks at the configured sparsity; training continues.</summary>
    void RequestSaveMasks();

    void Pause();

    void Resume();

    /// <summary>Finish the step in flight, save masks, scores and a checkpoint, then end the run.</summary>
    void RequestStop();

    /// <summary>
    /// Turn the per-tensor IoU of the Jaccard pane on (computed from the current scores at once, then at each mask
    /// interval) or off (no extra work).
    /// </summary>
    void SetPerTensorIou(bool enabled);

    /// <summary>Build the masks and their IoU every <paramref name="steps"/> steps from now on (at least 1).</summary>
    void SetMaskInterval(int steps);
}
