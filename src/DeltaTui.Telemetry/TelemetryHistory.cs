using DeltaTui.Core.Events;

namespace DeltaTui.Telemetry;

/// <summary>
/// The last N readings per GPU (by NVML index) and of the host, for sparklines. The sampler adds,
/// the UI copies out; a lock keeps the two apart, and adding allocates nothing once a GPU is known.
/// </summary>
public sealed class TelemetryHistory(int capacity)
{
    private readonly object _gate = new();
    private readonly Dictionary<int, RingBuffer<GpuReading>> _gpus = new();
    private readonly RingBuffer<HostSnapshot> _host = new(capacity);

    public int Capacity { get; } = capacity;

    public void Add(GpuSnapshot snapshot)
    {
        lock (_gate)
        {
            foreach (var reading in snapshot.Gpus)
            {
                if (!_gpus.TryGetValue(reading.Index, out var ring)) _gpus[reading.Index] = ring = new RingBuffer<GpuReading>(Capacity);
                ring.Add(reading);
            }
        }
    }

    public void Add(HostSnapshot snapshot)
    {
        lock (_gate) _host.Add(snapshot);
    }

    /// <summary>GPU indices seen so far.</summary>
    public IReadOnlyList<int> GpuIndices()
    {
        lock (_gate) return _gpus.Keys.Order().ToArray();
    }

    /// <summary>Readings of one GPU, oldest first (empty for an unknown index).</summary>
    public GpuReading[] Gpu(int index)
    {
        lock (_gate) return _gpus.TryGetValue(index, out var ring) ? ring.ToArray() : [];
    }

    public HostSnapshot[] Host()
    {
        lock (_gate) return _host.ToArray();
    }
}
