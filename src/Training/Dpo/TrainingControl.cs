using DeltaTui.Core.Control;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Requests from front ends (keys, signals), queued for the trainer, which acts on them between
/// steps. Thread-safe; no method blocks its caller.
/// </summary>
public sealed class TrainingControl : ITrainingControl, IDisposable
{
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private int _saveMasksRequests;
    private volatile bool _stopRequested;

    public bool StopRequested => _stopRequested;

    public bool IsPaused => !_running.IsSet;

    public void RequestSaveMasks() => Interlocked.Increment(ref _saveMasksRequests);

    public void Pause() => _running.Reset();

    public void Resume() => _running.Set();

    public void RequestStop()
    {
        _stopRequested = true;
        _running.Set(); // a paused run must wake up to stop
    }

    /// <summary>True once per batch of save requests made since the last call.</summary>
    internal bool TakeSaveMasksRequest() => Interlocked.Exchange(ref _saveMasksRequests, 0) > 0;

    /// <summary>Blocks the trainer while paused; returns when resumed, stopped or cancelled.</summary>
    internal void WaitWhilePaused(CancellationToken cancellationToken)
    {
        try { _running.Wait(cancellationToken); }
        catch (OperationCanceledException) { }
    }

    public void Dispose() => _running.Dispose();
}
