using DeltaTui.Core.Control;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Requests from front ends (keys, signals), queued for the trainer, which acts on them between
/// steps. Thread-safe; no method blocks its caller.
/// </summary>
public sealed class TrainingControl : ITrainingControl, IDisposable
{
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private readonly ManualResetEventSlim _request = new(initialState: false);
    private int _saveMasksRequests;
    private volatile bool _stopRequested;
    private int _perTensorIouRequest; // 0 none, 1 off, 2 on
    private int _maskIntervalRequest; // 0 none, else the new interval

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

    public void SetPerTensorIou(bool enabled)
    {
        Volatile.Write(ref _perTensorIouRequest, enabled ? 2 : 1);
        _request.Set(); // a paused trainer acts on it too
    }

    public void SetMaskInterval(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        Volatile.Write(ref _maskIntervalRequest, steps);
        _request.Set();
    }

    /// <summary>The latest per-tensor IoU request since the last call (null: none).</summary>
    internal bool? TakePerTensorIouRequest() => Interlocked.Exchange(ref _perTensorIouRequest, 0) switch
    {
        1 => false,
        2 => true,
        _ => null,
    };

    /// <summary>The latest mask interval request since the last call (null: none).</summary>
    internal int? TakeMaskIntervalRequest() => Interlocked.Exchange(ref _maskIntervalRequest, 0) is var n and > 0 ? n : null;

    /// <summary>True once per batch of save requests made since the last call.</summary>
    internal bool TakeSaveMasksRequest() => Interlocked.Exchange(ref _saveMasksRequests, 0) > 0;

    /// <summary>Blocks the trainer while paused; returns when resumed, stopped or cancelled, or when an IoU request came.</summary>
    internal void WaitWhilePaused(CancellationToken cancellationToken)
    {
        WaitHandle.WaitAny([_running.WaitHandle, _request.WaitHandle, cancellationToken.WaitHandle]);
        _request.Reset();
    }

    public void Dispose()
    {
        _running.Dispose();
        _request.Dispose();
    }
}
