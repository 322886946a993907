namespace DeltaTui.Core.Events;

/// <summary>A compute process on a GPU; IsSelf marks this process.</summary>
public sealed record GpuProcess(int Pid, string Name, long UsedMemoryBytes, bool IsSelf);

/// <summary>
/// One GPU at one instant. Every value is nullable: null means N/A, and FieldErrors says why
/// (e.g. "power" -> "NVML_ERROR_NOT_SUPPORTED"). Unavailable is set when the whole device could not be read.
/// </summary>
public sealed record GpuReading(
    int Index, string Name,
    double? UtilizationGpuPercent, double? UtilizationMemoryPercent,
    long? MemoryUsedBytes, long? MemoryTotalBytes,
    double? PowerWatts, double? PowerLimitWatts, double? TemperatureC,
    int? SmClockMHz, int? SmClockMaxMHz, int? MemoryClockMHz, int? MemoryClockMaxMHz,
    IReadOnlyList<string> ThrottleReasons,
    long? PcieTxKBps, long? PcieRxKBps,
    IReadOnlyList<GpuProcess> Processes,
    IReadOnlyDictionary<string, string> FieldErrors,
    string? Unavailable, DateTimeOffset? LastGoodSample);

/// <summary>All visible GPUs. Unavailable is set (and Gpus empty) when NVML itself is missing or failing.</summary>
public sealed record GpuSnapshot(IReadOnlyList<GpuReading> Gpus, string? Unavailable, DateTimeOffset? LastGoodSample) : RunEvent;

/// <summary>This host and this process, from /proc; and from the runtime, this process's CPU time and the time its
/// garbage collections paused its threads, both since it started (their growth between two snapshots is what the
/// process spent in that interval: how a dashboard's cost to training is accounted for).</summary>
public sealed record HostSnapshot(double? CpuPercent, long? ProcessRssBytes, long? MemoryAvailableBytes, long? MemoryTotalBytes,
    double? ProcessCpuSeconds = null, double? GcPauseMilliseconds = null) : RunEvent;

/// <summary>The telemetry circuit breaker of a device (or -1 for NVML as a whole) changed state: Closed, Open, HalfOpen.</summary>
public sealed record TelemetryBreakerChanged(int GpuIndex, string State, string Reason) : RunEvent
{
    public override bool MustDeliver => true;
}
