using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>nvmlTemperature_v1_t, the argument of nvmlDeviceGetTemperatureV.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlTemperatureV1
{
    /// <summary>NVML_STRUCT_VERSION(Temperature, 1): the struct size with the version in the top byte.</summary>
    public static readonly uint Version1 = (uint)Marshal.SizeOf<NvmlTemperatureV1>() | (1u << 24);

    public uint Version;
    public int SensorType;
    public int Temperature;
}
