namespace DeltaTui.Telemetry;

/// <summary>
/// The NVML calls telemetry needs, one method per C function (versioned exports chosen by the
/// implementation). Every method returns the NVML code instead of throwing; a function the
/// driver does not export answers <see cref="NvmlReturn.FunctionNotFound"/>. Device handles are
/// opaque. Implementations must be callable from any thread, like NVML itself.
/// </summary>
public interface INvml
{
    /// <summary>nvmlInit_v2; <see cref="NvmlReturn.LibraryNotFound"/> when libnvidia-ml cannot be loaded.</summary>
    NvmlReturn Init();

    NvmlReturn Shutdown();

    /// <summary>Why <see cref="Init"/> failed beyond the code, e.g. which library paths were tried; null when nothing to add.</summary>
    string? LoadDiagnostics { get; }

    string ErrorString(NvmlReturn code);

    NvmlReturn GetDeviceCount(out uint count);

    NvmlReturn GetHandleByIndex(uint index, out nint device);

    NvmlReturn GetUuid(nint device, out string uuid);

    NvmlReturn GetName(nint device, out string name);

    NvmlReturn GetUtilizationRates(nint device, out NvmlUtilization utilization);

    NvmlReturn GetMemoryInfo(nint device, out NvmlMemory memory);

    NvmlReturn GetPowerUsage(nint device, out uint milliwatts);

    NvmlReturn GetEnforcedPowerLimit(nint device, out uint milliwatts);

    /// <summary>GPU die temperature: nvmlDeviceGetTemperatureV where exported, nvmlDeviceGetTemperature otherwise.</summary>
    NvmlReturn GetTemperature(nint device, out int celsius);

    NvmlReturn GetClockInfo(nint device, NvmlClockType type, out uint mhz);

    NvmlReturn GetMaxClockInfo(nint device, NvmlClockType type, out uint mhz);

    /// <summary>nvmlDeviceGetCurrentClocksEventReasons (or the older ...ThrottleReasons): a bit set, see <see cref="ClockEventReasons"/>.</summary>
    NvmlReturn GetCurrentClocksEventReasons(nint device, out ulong reasons);

    NvmlReturn GetPcieThroughput(nint device, NvmlPcieCounter counter, out uint kilobytesPerSecond);

    /// <summary>
    /// nvmlDeviceGetComputeRunningProcesses_v3 into <paramref name="buffer"/>. On entry count is the
    /// buffer's usable length; on return the number of processes (with InsufficientSize when it did
    /// not fit, so a caller sizes with count 0 first).
    /// </summary>
    NvmlReturn GetComputeRunningProcesses(nint device, Span<NvmlProcessInfo> buffer, ref uint count);
}
