using System.Threading.Channels;
using DeltaTui.Core.Events;
using DeltaTui.Telemetry;

namespace DeltaTui.Training.Tests.Telemetry;

/// <summary>A sampler over a simulated NVML and a manual clock, with everything it publishes collected.</summary>
internal sealed class SamplerHarness : IDisposable
{
    private readonly ChannelReader<RunEvent> _events;

    public SamplerHarness(SimulatedNvml nvml, TelemetryOptions? options = null)
    {
        Nvml = nvml;
        Hub = new EventHub();
        _events = Hub.Subscribe();
        Sampler = new TelemetrySampler(nvml, Hub, options ?? Options(), Time);
    }

    /// <summary>Defaults for tests: no inherited CUDA_VISIBLE_DEVICES, no retry delay.</summary>
    public static TelemetryOptions Options() => new() { CudaVisibleDevices = null, RetryDelay = TimeSpan.Zero };

    public SimulatedNvml Nvml { get; }
    public EventHub Hub { get; }
    public ManualTimeProvider Time { get; } = new();
    public TelemetrySampler Sampler { get; }

    /// <summary>Events published since the last call.</summary>
    public List<RunEvent> Drain()
    {
        var list = new List<RunEvent>();
        while (_events.TryRead(out var e)) list.Add(e);
        return list;
    }

    /// <summary>Waits (in real time, bounded) for the next event of type T.</summary>
    public async Task<T> NextAsync<T>(TimeSpan? within = null) where T : RunEvent
    {
        using var cts = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var e = await _events.ReadAsync(cts.Token);
            if (e is T t) return t;
        }
    }

    public void Dispose()
    {
        Nvml.ReleaseHang();
        Sampler.Dispose();
    }
}
