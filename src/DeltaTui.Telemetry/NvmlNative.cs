using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>
/// The raw NVML exports. The unversioned names in nvml.h are macros for these versioned symbols.
/// Callers check <see cref="NvmlLibrary.HasExport"/> first: calling a missing export would throw.
/// </summary>
internal static unsafe partial class NvmlNative
{
    /// <summary>The soname; "libnvidia-ml.so" (no .1) exists only where the CUDA toolkit's dev files are installed.</summary>
    public const string LibraryName = "libnvidia-ml.so.1";

    [LibraryImport(LibraryName, EntryPoint = "nvmlInit_v2")]
    public static partial NvmlReturn Init();

    [LibraryImport(LibraryName, EntryPoint = "nvmlShutdown")]
    public static partial NvmlReturn Shutdown();

    [LibraryImport(LibraryName, EntryPoint = "nvmlErrorString")]
    public static partial nint ErrorString(NvmlReturn code);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCount_v2")]
    public static partial NvmlReturn DeviceGetCount(uint* count);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    public static partial NvmlReturn DeviceGetHandleByIndex(uint index, nint* device);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetUUID")]
    public static partial NvmlReturn DeviceGetUuid(nint device, byte* uuid, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetName")]
    public static partial NvmlReturn DeviceGetName(nint device, byte* name, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetUtilizationRates")]
    public static partial NvmlReturn DeviceGetUtilizationRates(nint device, NvmlUtilization* utilization);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    public static partial NvmlReturn DeviceGetMemoryInfo(nint device, NvmlMemory* memory);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPowerUsage")]
    public static partial NvmlReturn DeviceGetPowerUsage(nint device, uint* milliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetEnforcedPowerLimit")]
    public static partial NvmlReturn DeviceGetEnforcedPowerLimit(nint device, uint* milliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTemperatureV")]
    public static partial NvmlReturn DeviceGetTemperatureV(nint device, NvmlTemperatureV1* temperature);

    /// <summary>Deprecated in recent drivers, but the only temperature call older ones export. Sensor 0 is the GPU die.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTemperature")]
    public static partial NvmlReturn DeviceGetTemperature(nint device, int sensorType, uint* celsius);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetClockInfo")]
    public static partial NvmlReturn DeviceGetClockInfo(nint device, NvmlClockType type, uint* mhz);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMaxClockInfo")]
    public static partial NvmlReturn DeviceGetMaxClockInfo(nint device, NvmlClockType type, uint* mhz);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCurrentClocksEventReasons")]
    public static partial NvmlReturn DeviceGetCurrentClocksEventReasons(nint device, ulong* reasons);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCurrentClocksThrottleReasons")]
    public static partial NvmlReturn DeviceGetCurrentClocksThrottleReasons(nint device, ulong* reasons);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPcieThroughput")]
    public static partial NvmlReturn DeviceGetPcieThroughput(nint device, NvmlPcieCounter counter, uint* kilobytesPerSecond);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeRunningProcesses_v3")]
    public static partial NvmlReturn DeviceGetComputeRunningProcessesV3(nint device, uint* count, NvmlProcessInfo* infos);
}
