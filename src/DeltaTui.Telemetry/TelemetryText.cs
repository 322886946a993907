using System.Globalization;
using System.Text;
using DeltaTui.Core.Events;

namespace DeltaTui.Telemetry;

/// <summary>One human line per tick for headless output: every missing value reads "N/A", an unreadable device says why and since when.</summary>
public static class TelemetryText
{
    private const double GiB = 1024.0 * 1024 * 1024;
    public const string NotAvailable = "N/A";

    public static string Line(GpuSnapshot gpus, HostSnapshot? host)
    {
        var sb = new StringBuilder(256);
        sb.Append(gpus.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        if (gpus.Unavailable is not null)
        {
            sb.Append(" gpu ").Append(NotAvailable).Append(" (").Append(gpus.Unavailable).Append(Since(gpus.LastGoodSample)).Append(')');
        }
        foreach (var r in gpus.Gpus) AppendGpu(sb.Append(' '), r);
        if (host is not null)
        {
            sb.Append(" | host cpu ").Append(Num(host.CpuPercent, "0", "%"));
            sb.Append(" rss ").Append(Bytes(host.ProcessRssBytes));
            sb.Append(" avail ").Append(Num(host.MemoryAvailableBytes / GiB, "0.0", "")).Append('/').Append(Num(host.MemoryTotalBytes / GiB, "0.0", " GiB"));
        }
        return sb.ToString();
    }

    private static void AppendGpu(StringBuilder sb, GpuReading r)
    {
        sb.Append("gpu").Append(r.Index.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(r.Name);
        if (r.Unavailable is not null)
        {
            sb.Append(' ').Append(NotAvailable).Append(" (").Append(r.Unavailable).Append(Since(r.LastGoodSample)).Append(')');
            return;
        }
        sb.Append(" util ").Append(Num(r.UtilizationGpuPercent, "0", "%"));
        sb.Append(" mem ").Append(Num(r.MemoryUsedBytes / GiB, "0.0", "")).Append('/').Append(Num(r.MemoryTotalBytes / GiB, "0.0", " GiB"));
        sb.Append(" power ").Append(Num(r.PowerWatts, "0", "")).Append('/').Append(Num(r.PowerLimitWatts, "0", " W"));
        sb.Append(" temp ").Append(Num(r.TemperatureC, "0", " C"));
        sb.Append(" sm ").Append(Num(r.SmClockMHz, "")).Append('/').Append(Num(r.SmClockMaxMHz, " MHz"));
        sb.Append(" pcie tx/rx ").Append(Num(r.PcieTxKBps / 1024.0, "0.0", "")).Append('/').Append(Num(r.PcieRxKBps / 1024.0, "0.0", " MB/s"));
        if (r.ThrottleReasons.Count > 0) sb.Append(" clocks-event ").Append(string.Join(',', r.ThrottleReasons));
        sb.Append(" procs ").Append(r.Processes.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var p in r.Processes.Where(p => p.IsSelf))
        {
            sb.Append(" (self ").Append(Bytes(p.UsedMemoryBytes >= 0 ? p.UsedMemoryBytes : null)).Append(')');
        }
    }

    private static string Since(DateTimeOffset? lastGood) =>
        lastGood is { } t ? "; last good " + t.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "; never read";

    /// <summary>The value with its unit, or a bare N/A (a unit after N/A would read as a value).</summary>
    private static string Num(double? value, string format, string unit) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) + unit : NotAvailable;

    private static string Num(int? value, string unit) =>
        value is { } v ? v.ToString(CultureInfo.InvariantCulture) + unit : NotAvailable;

    private static string Bytes(long? bytes) => bytes switch
    {
        null => NotAvailable,
        >= 1L << 30 => (bytes.Value / GiB).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        _ => (bytes.Value / (1024.0 * 1024)).ToString("0", CultureInfo.InvariantCulture) + " MiB",
    };
}
