namespace DeltaTui.Telemetry;

/// <summary>Too many abandoned NVML calls are still blocked in the driver to risk another thread on it.</summary>
public sealed class NvmlCallsHungException(int hung)
    : Exception($"{hung} NVML call(s) are still hung in the driver; waiting for them to return")
{
    public int Hung { get; } = hung;
}
