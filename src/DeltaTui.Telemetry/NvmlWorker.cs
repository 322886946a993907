using System.Runtime.ExceptionServices;

namespace DeltaTui.Telemetry;

/// <summary>
/// A dedicated thread that runs one batch of NVML calls at a time. A native call cannot be
/// interrupted, so when the caller's wait is cancelled (the batch timed out) the worker is
/// abandoned: the caller moves on to a fresh worker, and this thread ends whenever the driver
/// lets its call return. <see cref="HungCalls"/> counts the ones still stuck.
/// </summary>
internal sealed class NvmlWorker : IDisposable
{
    private readonly object _gate = new();
    // No spinning before blocking: at 1 Hz the other side is always asleep, and spinning for it
    // would cost more CPU than the NVML calls themselves.
    private readonly ManualResetEventSlim _start = new(false, spinCount: 0);
    private readonly ManualResetEventSlim _done = new(false, spinCount: 0);
    private readonly HungCallCounter _hung;
    private Action<BatchScratch, GpuDevice?>? _work;
    private GpuDevice? _device;
    private Exception? _error;
    private bool _busy;
    private bool _abandoned;
    private bool _stopping;

    public NvmlWorker(HungCallCounter hung)
    {
        _hung = hung;
        var thread = new Thread(Loop) { IsBackground = true, Name = "nvml-worker" };
        thread.Start();
    }

    public BatchScratch Scratch { get; } = new();

    public bool Abandoned
    {
        get { lock (_gate) return _abandoned; }
    }

    /// <summary>Runs <paramref name="work"/> on the worker and waits; rethrows its exception; throws OperationCanceledException (abandoning the worker) when cancelled first.</summary>
    public void Run(Action<BatchScratch, GpuDevice?> work, GpuDevice? device, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_abandoned || _stopping) throw new InvalidOperationException("this NVML worker was abandoned");
            _work = work;
            _device = device;
            _error = null;
            _busy = true;
            _done.Reset();
        }
        _start.Set();
        try
        {
            _done.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (_busy)
                {
                    _abandoned = true;
                    _hung.Increment();
                    throw;
                }
            }
            // It finished just as the wait was cancelled: the result is good.
        }
        var error = _error;
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    private void Loop()
    {
        while (true)
        {
            _start.Wait();
            _start.Reset();
            Action<BatchScratch, GpuDevice?>? work;
            GpuDevice? device;
            lock (_gate)
            {
                if (_stopping) return;
                work = _work;
                device = _device;
            }
            Exception? error = null;
            try { work?.Invoke(Scratch, device); }
            catch (Exception e) { error = e; }
            lock (_gate)
            {
                _error = error;
                _busy = false;
                if (_abandoned)
                {
                    _hung.Decrement();
                    return;
                }
                _done.Set();
            }
        }
    }

    /// <summary>Ends the thread once it is idle; a hung one ends when its call returns.</summary>
    public void Dispose()
    {
        lock (_gate) _stopping = true;
        _start.Set();
    }
}
