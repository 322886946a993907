using DeltaTui.Core.Events;

namespace DeltaTui.Telemetry;

/// <summary>
/// Reads the host's CPU use, memory and this process's RSS from /proc, and this process's CPU time and GC
/// pause time from the runtime. CPU % needs two readings, so the first one answers null for it. Missing files
/// give null fields, never exceptions.
/// </summary>
public sealed class HostReader : IDisposable
{
    private readonly ProcFile _stat;
    private readonly ProcFile _meminfo;
    private readonly ProcFile _statm;
    private readonly long _pageSize = Environment.SystemPageSize;
    private CpuTimes? _previousCpu;

    /// <param name="procRoot">Where procfs is mounted; tests point it at a folder of sample files.</param>
    public HostReader(string procRoot = "/proc")
    {
        // Only the first line of /proc/stat matters; its per-interrupt lines can run to tens of kilobytes.
        _stat = new ProcFile(Path.Combine(procRoot, "stat"), 4096);
        _meminfo = new ProcFile(Path.Combine(procRoot, "meminfo"), 8192);
        _statm = new ProcFile(Path.Combine(procRoot, "self", "statm"), 256);
    }

    /// <summary>The reasons of the last read's missing fields (null when all were read).</summary>
    public string? LastError { get; private set; }

    public HostSnapshot Read(DateTimeOffset now)
    {
        double? cpuPercent = null;
        if (CpuTimes.TryParse(_stat.Read(), out var cpu))
        {
            if (_previousCpu is { } previous) cpuPercent = CpuTimes.BusyPercent(previous, cpu);
            _previousCpu = cpu;
        }

        long? rss = ProcessMemory.TryParseStatmRss(_statm.Read(), _pageSize, out var r) ? r : null;

        long? available = null, total = null;
        if (MemInfo.TryParse(_meminfo.Read(), out var mem))
        {
            total = mem.TotalBytes;
            available = mem.AvailableBytes;
        }

        LastError = _stat.Error ?? _statm.Error ?? _meminfo.Error;
        return new HostSnapshot(cpuPercent, rss, available, total, Environment.CpuUsage.TotalTime.TotalSeconds,
            GC.GetTotalPauseDuration().TotalMilliseconds) { Time = now };
    }

    public void Dispose()
    {
        _stat.Dispose();
        _meminfo.Dispose();
        _statm.Dispose();
    }
}
