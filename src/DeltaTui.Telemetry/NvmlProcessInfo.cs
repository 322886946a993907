using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>nvmlProcessInfo_t as filled by nvmlDeviceGetComputeRunningProcesses_v3.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlProcessInfo
{
    /// <summary>NVML_VALUE_NOT_AVAILABLE: the driver cannot say (e.g. under some virtualisation).</summary>
    public const ulong ValueNotAvailable = ulong.MaxValue;

    public uint Pid;
    public ulong UsedGpuMemory;
    public uint GpuInstanceId;
    public uint ComputeInstanceId;
}
