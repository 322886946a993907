using DeltaTui.Core.Events;
using Polly;
using Polly.CircuitBreaker;

namespace DeltaTui.Telemetry;

/// <summary>
/// Polls NVML and /proc on its own background thread (never the thread pool, never the trainer's)
/// and publishes <see cref="GpuSnapshot"/> and <see cref="HostSnapshot"/> on the <see cref="EventHub"/>,
/// one of each per <see cref="TelemetryOptions.Interval"/>, keeping a bounded <see cref="History"/>.
/// Every failure becomes N/A data with a reason and the time of the last good sample; a slow tick
/// drops the ticks it overran rather than queueing them. All timing goes through the
/// <see cref="TimeProvider"/>, so tests drive it with a manual clock.
/// </summary>
public sealed class TelemetrySampler : IDisposable
{
    private const int NvmlWide = -1;

    private readonly INvml _nvml;
    private readonly EventHub _hub;
    private readonly TimeProvider _time;
    private readonly TelemetryOptions _options;
    private readonly HostReader _host;
    private readonly ProcessNames _processNames;
    private readonly HungCallCounter _hung = new();
    private readonly ResiliencePipeline _startPipeline;
    private readonly Action<BatchScratch, GpuDevice?> _enumerateWork;
    private readonly Action<BatchScratch, GpuDevice?> _readWork;
    private readonly AutoResetEvent _tick = new(false);
    private readonly int _selfPid = Environment.ProcessId;
    private readonly object _lifecycle = new();
    private NvmlWorker? _worker;
    private List<GpuDevice>? _devices;
    private string? _devicesNote;
    private string? _startFailure;
    private DateTimeOffset? _lastGoodNvml;
    private Thread? _thread;
    private ITimer? _timer;
    private volatile bool _stopping;
    private bool _disposed;

    public TelemetrySampler(INvml nvml, EventHub hub, TelemetryOptions? options = null, TimeProvider? time = null)
    {
        _nvml = nvml;
        _hub = hub;
        _options = options ?? new TelemetryOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _host = new HostReader(_options.ProcRoot);
        _processNames = new ProcessNames(_options.ProcRoot);
        History = new TelemetryHistory(_options.HistoryLength);
        _startPipeline = TelemetryResilience.Build(_options, _time, NvmlWide, PublishBreaker);
        var cudaVisible = _options.CudaVisibleDevices;
        _enumerateWork = (scratch, _) => NvmlBatches.Enumerate(_nvml, scratch, cudaVisible);
        _readWork = (scratch, device) => NvmlBatches.ReadDevice(_nvml, scratch, device!);
    }

    public TelemetryHistory History { get; }

    public TelemetryOptions Options => _options;

    /// <summary>Starts the sampling thread: a sample now, then one per interval until disposed.</summary>
    public void Start()
    {
        lock (_lifecycle)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_thread is not null) return;
            _thread = new Thread(Loop) { IsBackground = true, Name = "telemetry-sampler", Priority = ThreadPriority.BelowNormal };
            _timer = _time.CreateTimer(static s => ((AutoResetEvent)s!).Set(), _tick, _options.Interval, _options.Interval);
            _thread.Start();
        }
    }

    /// <summary>Takes one GPU and one host sample and publishes them; the sampling thread calls this every tick.</summary>
    public (GpuSnapshot Gpus, HostSnapshot Host) SampleOnce()
    {
        var gpus = SampleGpus();
        History.Add(gpus);
        _hub.Publish(gpus);
        var host = _host.Read(_time.GetUtcNow());
        History.Add(host);
        _hub.Publish(host);
        return (gpus, host);
    }

    private void Loop()
    {
        while (!_stopping)
        {
            try
            {
                SampleOnce();
            }
            catch (Exception e)
            {
                // A bug here must not end telemetry, and never the training: say so and keep sampling.
                _hub.Publish(new LogMessage(LogLevel.Warning, $"telemetry sample failed: {e.GetType().Name}: {e.Message}") { Time = _time.GetUtcNow() });
            }
            _tick.WaitOne();
        }
    }

    private GpuSnapshot SampleGpus()
    {
        var now = _time.GetUtcNow();
        if (_devices is null && !TryStart(now)) return new GpuSnapshot([], _startFailure, _lastGoodNvml) { Time = now };

        var devices = _devices!;
        if (devices.Count == 0)
        {
            _lastGoodNvml = now;
            return new GpuSnapshot([], _devicesNote ?? "no GPU: NVML reports no devices", _lastGoodNvml) { Time = now };
        }

        var readings = new GpuReading[devices.Count];
        for (var i = 0; i < devices.Count; i++) readings[i] = ReadDevice(devices[i]);
        _lastGoodNvml = now;
        return new GpuSnapshot(readings, null, _lastGoodNvml) { Time = now };
    }

    private bool TryStart(DateTimeOffset now)
    {
        try
        {
            _startPipeline.Execute(static (s, ct) => s.RunOnWorker(s._enumerateWork, null, ct), this, CancellationToken.None);
            var scratch = _worker!.Scratch;
            _devices = scratch.Devices;
            _devicesNote = scratch.DevicesNote;
            foreach (var device in _devices!) device.Pipeline = TelemetryResilience.Build(_options, _time, device.NvmlIndex, PublishBreaker);
            _startFailure = null;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (e is not BrokenCircuitException) _startFailure = "NVML unavailable: " + TelemetryResilience.Describe(e);
            else _startFailure ??= "NVML unavailable";
            return false;
        }
    }

    private GpuReading ReadDevice(GpuDevice device)
    {
        device.ReadSlowFields = device.SamplesUntilSlowFields <= 0;
        try
        {
            device.Pipeline.Execute(static (state, ct) => state.Sampler.RunOnWorker(state.Sampler._readWork, state.Device, ct), (Sampler: this, Device: device), CancellationToken.None);
            var now = _time.GetUtcNow();
            var reading = GpuReadingBuilder.Build(_worker!.Scratch, device, now, _processNames, _selfPid);
            device.LastGood = now;
            device.LastFailure = null;
            device.SamplesUntilSlowFields = device.ReadSlowFields ? _options.SlowFieldsEvery - 1 : device.SamplesUntilSlowFields - 1;
            return reading;
        }
        catch (BrokenCircuitException)
        {
            return GpuReadingBuilder.Unavailable(device, $"polling paused after repeated failures (last: {device.LastFailure ?? "unknown"})");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            device.LastFailure = TelemetryResilience.Describe(e);
            return GpuReadingBuilder.Unavailable(device, device.LastFailure);
        }
    }

    /// <summary>Runs a batch on the current worker, replacing one abandoned by a timeout; refuses when too many calls are stuck.</summary>
    private void RunOnWorker(Action<BatchScratch, GpuDevice?> work, GpuDevice? device, CancellationToken cancellationToken)
    {
        if (_worker is null || _worker.Abandoned)
        {
            var hung = _hung.Count;
            if (hung >= _options.MaxHungCalls) throw new NvmlCallsHungException(hung);
            _worker = new NvmlWorker(_hung);
        }
        _worker.Run(work, device, cancellationToken);
    }

    private void PublishBreaker(int gpuIndex, string state, string reason) =>
        _hub.Publish(new TelemetryBreakerChanged(gpuIndex, state, reason) { Time = _time.GetUtcNow() });

    /// <summary>NVML calls abandoned by a timeout that are still blocked in the driver.</summary>
    public int HungCalls => _hung.Count;

    public void Dispose()
    {
        Thread? thread;
        lock (_lifecycle)
        {
            if (_disposed) return;
            _disposed = true;
            _stopping = true;
            _timer?.Dispose();
            thread = _thread;
        }
        _tick.Set();
        // A tick in flight ends within one call timeout; never wait longer than that for telemetry.
        thread?.Join(_options.CallTimeout + TimeSpan.FromSeconds(1));
        if (thread is null || !thread.IsAlive)
        {
            _worker?.Dispose();
            if (_devices is not null && _hung.Count == 0) _nvml.Shutdown();
            _host.Dispose();
        }
    }
}
