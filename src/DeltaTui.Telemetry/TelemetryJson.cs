using System.Text.Json;
using System.Text.Json.Serialization;
using DeltaTui.Core.Events;

namespace DeltaTui.Telemetry;

/// <summary>
/// Snapshots as JSON for scripts (`deltatui gpu --json`): camelCase, N/A as null, with "fieldErrors" saying why. The
/// shape is written out here field by field (not the events' own records), so nothing internal to the sampler or the
/// event stream (delivery flags, breaker bookkeeping) leaks into it:
/// <code>
/// {"time", "gpu": {"unavailable", "gpus": [{"index", "name", "utilizationGpuPercent", "utilizationMemoryPercent",
///   "memoryUsedBytes", "memoryTotalBytes", "powerWatts", "powerLimitWatts", "temperatureC", "smClockMHz", "smClockMaxMHz",
///   "memoryClockMHz", "memoryClockMaxMHz", "throttleReasons", "pcieTxKBps", "pcieRxKBps",
///   "processes": [{"pid", "name", "usedMemoryBytes", "isSelf"}], "fieldErrors", "unavailable"}]},
///  "host": {"cpuPercent", "processRssBytes", "memoryAvailableBytes", "memoryTotalBytes", "processCpuSeconds", "gcPauseMilliseconds"}}
/// </code>
/// </summary>
public static class TelemetryJson
{
    private static readonly JsonSerializerOptions Indented = Create(indented: true);
    private static readonly JsonSerializerOptions Compact = Create(indented: false);

    public static string Serialize(GpuSnapshot gpus, HostSnapshot? host, bool indented) =>
        JsonSerializer.Serialize(Document.From(gpus, host), indented ? Indented : Compact);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        WriteIndented = indented,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private sealed record Document(DateTimeOffset Time, GpuPart Gpu, HostPart? Host)
    {
        public static Document From(GpuSnapshot gpus, HostSnapshot? host) => new(gpus.Time,
            new GpuPart(gpus.Unavailable, gpus.Gpus.Select(GpuEntry.From).ToList()),
            host is null ? null : new HostPart(host.CpuPercent, host.ProcessRssBytes, host.MemoryAvailableBytes, host.MemoryTotalBytes, host.ProcessCpuSeconds, host.GcPauseMilliseconds));
    }

    private sealed record GpuPart(string? Unavailable, IReadOnlyList<GpuEntry> Gpus);

    private sealed record GpuEntry(
        int Index, string Name, double? UtilizationGpuPercent, double? UtilizationMemoryPercent, long? MemoryUsedBytes, long? MemoryTotalBytes,
        double? PowerWatts, double? PowerLimitWatts, double? TemperatureC, int? SmClockMHz, int? SmClockMaxMHz, int? MemoryClockMHz, int? MemoryClockMaxMHz,
        IReadOnlyList<string> ThrottleReasons, long? PcieTxKBps, long? PcieRxKBps, IReadOnlyList<ProcessEntry> Processes,
        IReadOnlyDictionary<string, string> FieldErrors, string? Unavailable)
    {
        public static GpuEntry From(GpuReading g) => new(g.Index, g.Name, g.UtilizationGpuPercent, g.UtilizationMemoryPercent, g.MemoryUsedBytes, g.MemoryTotalBytes,
            g.PowerWatts, g.PowerLimitWatts, g.TemperatureC, g.SmClockMHz, g.SmClockMaxMHz, g.MemoryClockMHz, g.MemoryClockMaxMHz,
            g.ThrottleReasons, g.PcieTxKBps, g.PcieRxKBps, g.Processes.Select(p => new ProcessEntry(p.Pid, p.Name, p.UsedMemoryBytes, p.IsSelf)).ToList(),
            g.FieldErrors, g.Unavailable);
    }

    private sealed record ProcessEntry(int Pid, string Name, long UsedMemoryBytes, bool IsSelf);

    private sealed record HostPart(double? CpuPercent, long? ProcessRssBytes, long? MemoryAvailableBytes, long? MemoryTotalBytes, double? ProcessCpuSeconds, double? GcPauseMilliseconds);
}
