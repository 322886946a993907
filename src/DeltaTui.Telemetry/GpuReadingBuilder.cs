using DeltaTui.Core.Events;

namespace DeltaTui.Telemetry;

/// <summary>Turns a finished batch into the immutable <see cref="GpuReading"/>: units converted, failed fields null with their reason.</summary>
internal static class GpuReadingBuilder
{
    private static readonly IReadOnlyDictionary<string, string> NoErrors = new Dictionary<string, string>();
    private const double MilliwattsPerWatt = 1000.0;

    public static GpuReading Build(BatchScratch s, GpuDevice d, DateTimeOffset now, ProcessNames names, int selfPid)
    {
        Dictionary<string, string>? errors = null;
        T? Field<T>(NvmlReturn rc, string key, T value) where T : struct
        {
            if (rc == NvmlReturn.Success) return value;
            (errors ??= new Dictionary<string, string>(4))[key] = NvmlReturnNames.Name(rc);
            return null;
        }

        var slow = s.SlowFieldsRead || d.LastSlowFields is null ? ReadSlow(s, names, selfPid) : d.LastSlowFields;
        d.LastSlowFields = slow;
        foreach (var (key, reason) in slow.Errors) (errors ??= new Dictionary<string, string>(4))[key] = reason;
        var reasons = Field(s.ClockEventsRc, "throttle", s.ClockEventReasons);

        return new GpuReading(
            d.NvmlIndex, d.Name,
            Field(s.UtilizationRc, "utilization", (double)s.Utilization.Gpu),
            s.UtilizationRc == NvmlReturn.Success ? s.Utilization.Memory : null,
            Field(s.MemoryRc, "memory", (long)s.Memory.Used),
            s.MemoryRc == NvmlReturn.Success ? (long)s.Memory.Total : null,
            Field(s.PowerRc, "power", s.PowerMilliwatts / MilliwattsPerWatt),
            Field(s.PowerLimitRc, "powerLimit", s.PowerLimitMilliwatts / MilliwattsPerWatt),
            Field(s.TemperatureRc, "temperature", (double)s.TemperatureC),
            Field(s.SmClockRc, "smClock", (int)s.SmClockMHz),
            Field(s.SmClockMaxRc, "smClockMax", (int)s.SmClockMaxMHz),
            Field(s.MemoryClockRc, "memoryClock", (int)s.MemoryClockMHz),
            Field(s.MemoryClockMaxRc, "memoryClockMax", (int)s.MemoryClockMaxMHz),
            reasons is { } r ? ClockEventReasons.Names(r) : [],
            slow.PcieTxKBps,
            slow.PcieRxKBps,
            slow.Processes,
            errors ?? NoErrors,
            Unavailable: null, LastGoodSample: now);
    }

    private static SlowFields ReadSlow(BatchScratch s, ProcessNames names, int selfPid)
    {
        if (!s.SlowFieldsRead) return new SlowFields(null, null, [], []);
        List<KeyValuePair<string, string>>? errors = null;
        void Error(string key, NvmlReturn rc) => (errors ??= []).Add(new(key, NvmlReturnNames.Name(rc)));

        long? tx = s.PcieTxRc == NvmlReturn.Success ? s.PcieTxKBps : null;
        if (tx is null) Error("pcieTx", s.PcieTxRc);
        long? rx = s.PcieRxRc == NvmlReturn.Success ? s.PcieRxKBps : null;
        if (rx is null) Error("pcieRx", s.PcieRxRc);

        var processes = Array.Empty<GpuProcess>();
        if (s.ProcessesRc != NvmlReturn.Success) Error("processes", s.ProcessesRc);
        else if (s.ProcessCount > 0)
        {
            processes = new GpuProcess[s.ProcessCount];
            for (var i = 0; i < s.ProcessCount; i++)
            {
                var p = s.Processes[i];
                long memory = -1;
                if (p.UsedGpuMemory == NvmlProcessInfo.ValueNotAvailable) (errors ??= []).Add(new("processes.memory", "NVML_VALUE_NOT_AVAILABLE"));
                else memory = (long)p.UsedGpuMemory;
                processes[i] = new GpuProcess((int)p.Pid, names.Of((int)p.Pid), memory, (int)p.Pid == selfPid);
            }
        }
        return new SlowFields(tx, rx, processes, (IReadOnlyList<KeyValuePair<string, string>>?)errors ?? []);
    }

    /// <summary>A device that could not be read at all this tick: every value N/A, with why and since when.</summary>
    public static GpuReading Unavailable(GpuDevice d, string reason) =>
        new(d.NvmlIndex, d.Name, null, null, null, null, null, null, null, null, null, null, null,
            [], null, null, [], NoErrors, reason, d.LastGood);
}
