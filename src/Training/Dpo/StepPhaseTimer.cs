using DeltaTui.Core.Events;
using System.Diagnostics;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Splits the wall time of a step into <see cref="StepPhases"/>. Work on a GPU is asynchronous, so on
/// CUDA each mark first waits for the device: the time of the kernels a phase queued is charged to that
/// phase, not to whichever later phase happens to wait for them. Those waits change what they measure
/// (the host can no longer run ahead), which is why a disabled timer does nothing at all.
/// </summary>
public sealed class StepPhaseTimer
{
    private readonly Device? _cuda;
    private readonly Dictionary<string, double> _milliseconds = new(StringComparer.Ordinal);
    private long _mark;
    private long _start;

    /// <param name="device">The training device; only CUDA needs synchronising.</param>
    public StepPhaseTimer(bool enabled, Device device)
    {
        Enabled = enabled;
        _cuda = device.type == TorchSharp.DeviceType.CUDA ? device : null;
    }

    public bool Enabled { get; }

    /// <summary>Starts a step: every phase back to 0.</summary>
    public void Begin()
    {
        if (!Enabled) return;
        foreach (var phase in StepPhases.All) _milliseconds[phase] = 0;
        _start = _mark = Now();
    }

    /// <summary>Charges the time since the previous mark to <paramref name="phase"/> (phases that repeat, per micro-batch, add up).</summary>
    public void Lap(string phase)
    {
        if (!Enabled) return;
        var now = Now();
        _milliseconds[phase] = _milliseconds.GetValueOrDefault(phase) + Milliseconds(_mark, now);
        _mark = now;
    }

    /// <summary>The phases of the step so far, and the time since <see cref="Begin"/>.</summary>
    public (IReadOnlyDictionary<string, double> Phases, double Total) Snapshot() =>
        (new Dictionary<string, double>(_milliseconds, StringComparer.Ordinal), Milliseconds(_start, _mark));

    // From raw ticks: TimeSpan would round every lap to 100 ns, and the phases would no longer add up to the total.
    private static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private long Now()
    {
        if (_cuda is not null) cuda.synchronize(_cuda);
        return Stopwatch.GetTimestamp();
    }
}
