using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>nvmlUtilization_t: percent of the last sample period the GPU (memory controller) was busy.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlUtilization
{
    public uint Gpu;
    public uint Memory;
}
