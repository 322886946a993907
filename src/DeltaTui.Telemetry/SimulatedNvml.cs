using System.Collections.Concurrent;

namespace DeltaTui.Telemetry;

/// <summary>
/// An in-process NVML with scripted GPUs: for the benchmark and the dashboard on machines without
/// a GPU, and for tests of every failure (error codes per function, missing exports, a call that
/// hangs until released). Counts calls per function.
/// </summary>
public sealed class SimulatedNvml : INvml
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ManualResetEventSlim _release = new(true);
    private volatile string? _hangingFunction;

    public SimulatedNvml(params SimulatedGpu[] gpus) => Gpus = [.. gpus];

    /// <summary>A typical machine: <paramref name="count"/> H100s with distinct UUIDs.</summary>
    public static SimulatedNvml WithGpus(int count) =>
        new(Enumerable.Range(0, count).Select(i => new SimulatedGpu("NVIDIA H100 80GB HBM3", $"GPU-{i:x8}-1111-2222-3333-444455556666")).ToArray());

    public List<SimulatedGpu> Gpus { get; }

    /// <summary>What nvmlInit_v2 answers (LibraryNotFound simulates a machine without the driver's library).</summary>
    public NvmlReturn InitResult { get; set; } = NvmlReturn.Success;

    public string? LoadDiagnostics { get; set; }

    /// <summary>Functions the simulated driver does not export (answer FunctionNotFound).</summary>
    public HashSet<string> MissingExports { get; } = new(StringComparer.Ordinal);

    /// <summary>Makes calls of <paramref name="function"/> block until <see cref="ReleaseHang"/>.</summary>
    public void HangOn(string function)
    {
        _release.Reset();
        _hangingFunction = function;
    }

    public void ReleaseHang()
    {
        _hangingFunction = null;
        _release.Set();
    }

    /// <summary>The thread that made the latest call.</summary>
    public Thread? LastCallThread { get; private set; }

    public int Calls(string function) => _calls.TryGetValue(function, out var n) ? n : 0;

    public NvmlReturn Init() => Enter("nvmlInit_v2") ?? InitResult;

    public NvmlReturn Shutdown() => Enter("nvmlShutdown") ?? NvmlReturn.Success;

    public string ErrorString(NvmlReturn code) => NvmlReturnNames.Name(code);

    public NvmlReturn GetDeviceCount(out uint count)
    {
        count = (uint)Gpus.Count;
        return Enter("nvmlDeviceGetCount_v2") ?? NvmlReturn.Success;
    }

    public NvmlReturn GetHandleByIndex(uint index, out nint device)
    {
        device = (nint)(index + 1);
        if (Enter("nvmlDeviceGetHandleByIndex_v2") is { } rc) return rc;
        return index < Gpus.Count ? NvmlReturn.Success : NvmlReturn.InvalidArgument;
    }

    public NvmlReturn GetUuid(nint device, out string uuid)
    {
        uuid = Gpu(device)?.Uuid ?? "";
        return Device(device, "nvmlDeviceGetUUID");
    }

    public NvmlReturn GetName(nint device, out string name)
    {
        name = Gpu(device)?.Name ?? "";
        return Device(device, "nvmlDeviceGetName");
    }

    public NvmlReturn GetUtilizationRates(nint device, out NvmlUtilization utilization)
    {
        var g = Gpu(device);
        utilization = new NvmlUtilization { Gpu = g?.UtilizationGpu ?? 0, Memory = g?.UtilizationMemory ?? 0 };
        return Device(device, "nvmlDeviceGetUtilizationRates");
    }

    public NvmlReturn GetMemoryInfo(nint device, out NvmlMemory memory)
    {
        var g = Gpu(device);
        memory = g is null ? default : new NvmlMemory { Total = g.MemoryTotal, Used = g.MemoryUsed, Free = g.MemoryTotal - g.MemoryUsed };
        return Device(device, "nvmlDeviceGetMemoryInfo");
    }

    public NvmlReturn GetPowerUsage(nint device, out uint milliwatts)
    {
        milliwatts = Gpu(device)?.PowerMilliwatts ?? 0;
        return Device(device, "nvmlDeviceGetPowerUsage");
    }

    public NvmlReturn GetEnforcedPowerLimit(nint device, out uint milliwatts)
    {
        milliwatts = Gpu(device)?.PowerLimitMilliwatts ?? 0;
        return Device(device, "nvmlDeviceGetEnforcedPowerLimit");
    }

    /// <summary>Like the real driver binding: the V call where "exported", else the deprecated one.</summary>
    public NvmlReturn GetTemperature(nint device, out int celsius)
    {
        celsius = Gpu(device)?.TemperatureC ?? 0;
        return MissingExports.Contains("nvmlDeviceGetTemperatureV")
            ? Device(device, "nvmlDeviceGetTemperature")
            : Device(device, "nvmlDeviceGetTemperatureV");
    }

    public NvmlReturn GetClockInfo(nint device, NvmlClockType type, out uint mhz)
    {
        var g = Gpu(device);
        mhz = type == NvmlClockType.Memory ? g?.MemoryClockMHz ?? 0 : g?.SmClockMHz ?? 0;
        return Device(device, "nvmlDeviceGetClockInfo");
    }

    public NvmlReturn GetMaxClockInfo(nint device, NvmlClockType type, out uint mhz)
    {
        var g = Gpu(device);
        mhz = type == NvmlClockType.Memory ? g?.MemoryClockMaxMHz ?? 0 : g?.SmClockMaxMHz ?? 0;
        return Device(device, "nvmlDeviceGetMaxClockInfo");
    }

    public NvmlReturn GetCurrentClocksEventReasons(nint device, out ulong reasons)
    {
        reasons = Gpu(device)?.ClockEventReasons ?? 0;
        return Device(device, "nvmlDeviceGetCurrentClocksEventReasons");
    }

    public NvmlReturn GetPcieThroughput(nint device, NvmlPcieCounter counter, out uint kilobytesPerSecond)
    {
        var g = Gpu(device);
        kilobytesPerSecond = counter == NvmlPcieCounter.TxBytes ? g?.PcieTxKBps ?? 0 : g?.PcieRxKBps ?? 0;
        return Device(device, "nvmlDeviceGetPcieThroughput");
    }

    /// <summary>Answers like the driver: InsufficientSize with the needed count when the buffer is short.</summary>
    public NvmlReturn GetComputeRunningProcesses(nint device, Span<NvmlProcessInfo> buffer, ref uint count)
    {
        var rc = Device(device, "nvmlDeviceGetComputeRunningProcesses_v3");
        if (rc != NvmlReturn.Success) return rc;
        var processes = Gpu(device)!.Processes;
        if (count < processes.Length || buffer.Length < processes.Length)
        {
            count = (uint)processes.Length;
            return processes.Length == 0 ? NvmlReturn.Success : NvmlReturn.InsufficientSize;
        }
        processes.CopyTo(buffer);
        count = (uint)processes.Length;
        return NvmlReturn.Success;
    }

    private SimulatedGpu? Gpu(nint device)
    {
        var index = (int)device - 1;
        return index >= 0 && index < Gpus.Count ? Gpus[index] : null;
    }

    private NvmlReturn Device(nint device, string function)
    {
        if (Enter(function) is { } rc) return rc;
        var g = Gpu(device);
        if (g is null) return NvmlReturn.InvalidArgument;
        return g.TakeScriptedFailure(function) ?? NvmlReturn.Success;
    }

    /// <summary>Counts the call, blocks it if it is the hanging one, and answers FunctionNotFound for a missing export.</summary>
    private NvmlReturn? Enter(string function)
    {
        _calls.AddOrUpdate(function, 1, static (_, n) => n + 1);
        LastCallThread = Thread.CurrentThread;
        if (_hangingFunction == function) _release.Wait();
        return MissingExports.Contains(function) ? NvmlReturn.FunctionNotFound : null;
    }
}
