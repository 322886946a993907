namespace DeltaTui.Telemetry;

/// <summary>The aggregate "cpu" line of /proc/stat, in clock ticks since boot.</summary>
public readonly record struct CpuTimes(ulong Total, ulong Idle)
{
    /// <summary>
    /// Parses "cpu  user nice system idle iowait irq softirq steal ..." (at least the first four
    /// fields). Idle counts iowait too; guest time is already inside user and nice, so it is not added again.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> procStat, out CpuTimes times)
    {
        times = default;
        var line = ProcText.Line(procStat, "cpu "u8);
        if (line.IsEmpty) return false;
        line = line[3..];
        Span<ulong> fields = stackalloc ulong[8];
        var n = 0;
        while (n < fields.Length && ProcText.TryNextNumber(ref line, out var v)) fields[n++] = v;
        if (n < 4) return false;
        ulong total = 0;
        for (var i = 0; i < n; i++) total += fields[i];
        var idle = fields[3] + (n > 4 ? fields[4] : 0);
        times = new CpuTimes(total, idle);
        return true;
    }

    /// <summary>Busy share of all cores between two readings, 0..100; null when no time passed or the counters went back.</summary>
    public static double? BusyPercent(CpuTimes earlier, CpuTimes later)
    {
        if (later.Total <= earlier.Total || later.Idle < earlier.Idle) return null;
        var total = later.Total - earlier.Total;
        var idle = later.Idle - earlier.Idle;
        if (idle > total) return null;
        return 100.0 * (total - idle) / total;
    }
}
