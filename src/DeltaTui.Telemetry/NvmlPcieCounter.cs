namespace DeltaTui.Telemetry;

/// <summary>nvmlPcieUtilCounter_t.</summary>
public enum NvmlPcieCounter
{
    TxBytes = 0,
    RxBytes = 1,
}
