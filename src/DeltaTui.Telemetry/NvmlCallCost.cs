namespace DeltaTui.Telemetry;

/// <summary>Totals for one NVML function: calls, wall time, and CPU time of the calling thread.</summary>
public readonly record struct NvmlCallCost(long Calls, TimeSpan Wall, TimeSpan Cpu);
