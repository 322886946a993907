using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>
/// An <see cref="INvml"/> that forwards to another and adds up, per NVML function, the calls, their
/// wall time and the calling thread's CPU time: which call a driver makes expensive.
/// </summary>
public sealed partial class TimedNvml(INvml inner) : INvml
{
    private readonly ConcurrentDictionary<string, NvmlCallCost> _costs = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, NvmlCallCost> Costs => _costs;

    public void Reset() => _costs.Clear();

    public string? LoadDiagnostics => inner.LoadDiagnostics;

    public string ErrorString(NvmlReturn code) => inner.ErrorString(code);

    public NvmlReturn Init() => Time("nvmlInit_v2", inner, static n => n.Init());

    public NvmlReturn Shutdown() => Time("nvmlShutdown", inner, static n => n.Shutdown());

    public NvmlReturn GetDeviceCount(out uint count)
    {
        var start = Start();
        var rc = inner.GetDeviceCount(out count);
        return Stop("nvmlDeviceGetCount_v2", start, rc);
    }

    public NvmlReturn GetHandleByIndex(uint index, out nint device)
    {
        var start = Start();
        var rc = inner.GetHandleByIndex(index, out device);
        return Stop("nvmlDeviceGetHandleByIndex_v2", start, rc);
    }

    public NvmlReturn GetUuid(nint device, out string uuid)
    {
        var start = Start();
        var rc = inner.GetUuid(device, out uuid);
        return Stop("nvmlDeviceGetUUID", start, rc);
    }

    public NvmlReturn GetName(nint device, out string name)
    {
        var start = Start();
        var rc = inner.GetName(device, out name);
        return Stop("nvmlDeviceGetName", start, rc);
    }

    public NvmlReturn GetUtilizationRates(nint device, out NvmlUtilization utilization)
    {
        var start = Start();
        var rc = inner.GetUtilizationRates(device, out utilization);
        return Stop("nvmlDeviceGetUtilizationRates", start, rc);
    }

    public NvmlReturn GetMemoryInfo(nint device, out NvmlMemory memory)
    {
        var start = Start();
        var rc = inner.GetMemoryInfo(device, out memory);
        return Stop("nvmlDeviceGetMemoryInfo", start, rc);
    }

    public NvmlReturn GetPowerUsage(nint device, out uint milliwatts)
    {
        var start = Start();
        var rc = inner.GetPowerUsage(device, out milliwatts);
        return Stop("nvmlDeviceGetPowerUsage", start, rc);
    }

    public NvmlReturn GetEnforcedPowerLimit(nint device, out uint milliwatts)
    {
        var start = Start();
        var rc = inner.GetEnforcedPowerLimit(device, out milliwatts);
        return Stop("nvmlDeviceGetEnforcedPowerLimit", start, rc);
    }

    public NvmlReturn GetTemperature(nint device, out int celsius)
    {
        var start = Start();
        var rc = inner.GetTemperature(device, out celsius);
        return Stop("nvmlDeviceGetTemperature(V)", start, rc);
    }

    public NvmlReturn GetClockInfo(nint device, NvmlClockType type, out uint mhz)
    {
        var start = Start();
        var rc = inner.GetClockInfo(device, type, out mhz);
        return Stop("nvmlDeviceGetClockInfo", start, rc);
    }

    public NvmlReturn GetMaxClockInfo(nint device, NvmlClockType type, out uint mhz)
    {
        var start = Start();
        var rc = inner.GetMaxClockInfo(device, type, out mhz);
        return Stop("nvmlDeviceGetMaxClockInfo", start, rc);
    }

    public NvmlReturn GetCurrentClocksEventReasons(nint device, out ulong reasons)
    {
        var start = Start();
        var rc = inner.GetCurrentClocksEventReasons(device, out reasons);
        return Stop("nvmlDeviceGetCurrentClocksEventReasons", start, rc);
    }

    public NvmlReturn GetPcieThroughput(nint device, NvmlPcieCounter counter, out uint kilobytesPerSecond)
    {
        var start = Start();
        var rc = inner.GetPcieThroughput(device, counter, out kilobytesPerSecond);
        return Stop("nvmlDeviceGetPcieThroughput", start, rc);
    }

    public NvmlReturn GetComputeRunningProcesses(nint device, Span<NvmlProcessInfo> buffer, ref uint count)
    {
        var start = Start();
        var rc = inner.GetComputeRunningProcesses(device, buffer, ref count);
        return Stop("nvmlDeviceGetComputeRunningProcesses_v3", start, rc);
    }

    private NvmlReturn Time(string function, INvml nvml, Func<INvml, NvmlReturn> call)
    {
        var start = Start();
        return Stop(function, start, call(nvml));
    }

    private static (long Wall, long Cpu) Start() => (Stopwatch.GetTimestamp(), ThreadCpuNanoseconds());

    private NvmlReturn Stop(string function, (long Wall, long Cpu) start, NvmlReturn rc)
    {
        var wall = Stopwatch.GetElapsedTime(start.Wall);
        var cpu = TimeSpan.FromTicks((ThreadCpuNanoseconds() - start.Cpu) / 100);
        _costs.AddOrUpdate(function, static (_, a) => new NvmlCallCost(1, a.wall, a.cpu),
            static (_, c, a) => new NvmlCallCost(c.Calls + 1, c.Wall + a.wall, c.Cpu + a.cpu), (wall, cpu));
        return rc;
    }

    /// <summary>CLOCK_THREAD_CPUTIME_ID; 0 where clock_gettime cannot be called.</summary>
    private static long ThreadCpuNanoseconds()
    {
        try
        {
            return ClockGetTime(3, out var ts) == 0 ? ts.Seconds * 1_000_000_000 + ts.Nanoseconds : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
