namespace DeltaTui.Training.Telemetry;

/// <summary>nvmlPcieUtilCounter_t.</summary>
public enum NvmlPcieCounter
{
    TxBytes = 0,
    RxBytes = 1,
}
