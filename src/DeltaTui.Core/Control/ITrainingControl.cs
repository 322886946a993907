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
}
