namespace DeltaTui.Telemetry;

/// <summary>nvmlClockType_t.</summary>
public enum NvmlClockType
{
    Graphics = 0,
    Sm = 1,
    Memory = 2,
    Video = 3,
}
