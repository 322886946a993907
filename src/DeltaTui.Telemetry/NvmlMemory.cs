using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>nvmlMemory_t, bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlMemory
{
    public ulong Total;
    public ulong Free;
    public ulong Used;
}
