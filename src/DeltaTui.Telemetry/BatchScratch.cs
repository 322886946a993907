namespace DeltaTui.Telemetry;

/// <summary>
/// What one batch of NVML calls read, in fields reused from batch to batch. Each worker owns its
/// own, so a hung call that returns after its worker was abandoned writes where nobody reads.
/// </summary>
internal sealed class BatchScratch
{
    public NvmlReturn UtilizationRc; public NvmlUtilization Utilization;
    public NvmlReturn MemoryRc; public NvmlMemory Memory;
    public NvmlReturn PowerRc; public uint PowerMilliwatts;
    public NvmlReturn PowerLimitRc; public uint PowerLimitMilliwatts;
    public NvmlReturn TemperatureRc; public int TemperatureC;
    public NvmlReturn SmClockRc; public uint SmClockMHz;
    public NvmlReturn SmClockMaxRc; public uint SmClockMaxMHz;
    public NvmlReturn MemoryClockRc; public uint MemoryClockMHz;
    public NvmlReturn MemoryClockMaxRc; public uint MemoryClockMaxMHz;
    public NvmlReturn ClockEventsRc; public ulong ClockEventReasons;
    /// <summary>False when this batch skipped PCIe throughput and the process list.</summary>
    public bool SlowFieldsRead;
    public NvmlReturn PcieTxRc; public uint PcieTxKBps;
    public NvmlReturn PcieRxRc; public uint PcieRxKBps;
    public NvmlReturn ProcessesRc; public NvmlProcessInfo[] Processes = new NvmlProcessInfo[8]; public int ProcessCount;

    /// <summary>Filled by the enumeration batch: the devices this process may use, and why some are hidden.</summary>
    public List<GpuDevice>? Devices;
    public string? DevicesNote;
}
