using Polly;

namespace DeltaTui.Telemetry;

/// <summary>One visible GPU as the sampler tracks it: identity read once, its breaker, and when it last answered.</summary>
internal sealed class GpuDevice(int nvmlIndex, nint handle, string name, string uuid)
{
    public int NvmlIndex { get; } = nvmlIndex;
    public nint Handle { get; } = handle;
    public string Name { get; } = name;
    public string Uuid { get; } = uuid;
    public ResiliencePipeline Pipeline { get; set; } = ResiliencePipeline.Empty;
    public DateTimeOffset? LastGood { get; set; }
    public string? LastFailure { get; set; }

    /// <summary>Set by the sampler before a batch: whether this batch reads the slow fields (PCIe, processes).</summary>
    public bool ReadSlowFields { get; set; } = true;

    /// <summary>Good samples to go before the slow fields are read again.</summary>
    public int SamplesUntilSlowFields { get; set; }

    /// <summary>
    /// Maximum SM and memory clocks, read once: they are properties of the board, and on real drivers
    /// nvmlDeviceGetMaxClockInfo is by far the most expensive call of a sample (about 1.7 ms each).
    /// </summary>
    public (uint Sm, uint Memory)? MaxClocks { get; set; }

    /// <summary>The slow fields as last read, repeated in the readings between two reads.</summary>
    public SlowFields? LastSlowFields { get; set; }
}
