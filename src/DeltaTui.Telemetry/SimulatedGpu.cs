namespace DeltaTui.Telemetry;

/// <summary>
/// One GPU of <see cref="SimulatedNvml"/>: its values (settable while sampling) and, per NVML
/// function name, an error to answer instead ("*" fails every device call).
/// </summary>
public sealed class SimulatedGpu(string name, string uuid)
{
    public string Name { get; set; } = name;
    public string Uuid { get; set; } = uuid;
    public uint UtilizationGpu { get; set; } = 87;
    public uint UtilizationMemory { get; set; } = 41;
    public ulong MemoryTotal { get; set; } = 80UL << 30;
    public ulong MemoryUsed { get; set; } = 30UL << 30;
    public uint PowerMilliwatts { get; set; } = 412_345;
    public uint PowerLimitMilliwatts { get; set; } = 700_000;
    public int TemperatureC { get; set; } = 61;
    public uint SmClockMHz { get; set; } = 1755;
    public uint SmClockMaxMHz { get; set; } = 1980;
    public uint MemoryClockMHz { get; set; } = 2619;
    public uint MemoryClockMaxMHz { get; set; } = 2619;
    public ulong ClockEventReasons { get; set; } = 0x4;
    public uint PcieTxKBps { get; set; } = 1200;
    public uint PcieRxKBps { get; set; } = 3400;

    /// <summary>Compute processes; replace the whole array to change it while sampling.</summary>
    public NvmlProcessInfo[] Processes { get; set; } = [];

    public System.Collections.Concurrent.ConcurrentDictionary<string, NvmlReturn> Failures { get; } = new(StringComparer.Ordinal);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (NvmlReturn Code, int Remaining)> _failNext = new(StringComparer.Ordinal);

    /// <summary>The next <paramref name="times"/> calls of <paramref name="function"/> answer <paramref name="code"/>, then it recovers.</summary>
    public void FailNext(string function, NvmlReturn code, int times) => _failNext[function] = (code, times);

    internal NvmlReturn? TakeScriptedFailure(string function)
    {
        if (_failNext.TryGetValue(function, out var next) && next.Remaining > 0)
        {
            _failNext[function] = (next.Code, next.Remaining - 1);
            return next.Code;
        }
        if (Failures.TryGetValue(function, out var failure) || Failures.TryGetValue("*", out failure)) return failure;
        return null;
    }
}
