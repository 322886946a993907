using Polly;

namespace DeltaTui.Training.Telemetry;

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
}
