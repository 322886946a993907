using System.Globalization;
using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>Per-GPU utilisation and memory bars with sparklines, power, temperature, clocks, throttling, our memory; host CPU and RSS.</summary>
public sealed class GpuPanel : FrameView
{
    private readonly TextLinesView _text = new() { Width = Dim.Fill(), Height = Dim.Fill() };

    public GpuPanel()
    {
        Title = "GPU";
        CanFocus = false;
        Add(_text);
    }

    public void Apply(DashboardState s) => _text.Lines = Render(s, Math.Max(Viewport.Width, 20));

    public static IReadOnlyList<string> Render(DashboardState s, int width)
    {
        var lines = new List<string>();
        var snapshot = s.Gpu;
        if (snapshot is null)
            lines.Add("GPU: waiting for the first sample");
        else if (snapshot.Unavailable is { } why)
            lines.Add($"GPU: N/A - {why}{LastGood(snapshot.LastGoodSample)}");
        else if (snapshot.Gpus.Count == 0)
            lines.Add("GPU: none visible");
        else
            foreach (var g in snapshot.Gpus) AddGpu(lines, s, g, width);

        var h = s.Host;
        lines.Add(h is null
            ? "host: waiting for the first sample"
            : $"host cpu {Format.Percent(h.CpuPercent)}  rss {Format.Bytes(h.ProcessRssBytes)}  avail {Format.Bytes(h.MemoryAvailableBytes)}/{Format.Bytes(h.MemoryTotalBytes)}");
        return lines;
    }

    private static void AddGpu(List<string> lines, DashboardState s, GpuReading g, int width)
    {
        string breaker = s.BreakerStates.TryGetValue(g.Index, out var b) && b != "Closed" ? $" [breaker {b}]" : "";
        lines.Add($"GPU{g.Index} {g.Name}{breaker}");
        if (g.Unavailable is { } why)
        {
            lines.Add($" N/A - {why}{LastGood(g.LastGoodSample)}");
            return;
        }
        int bar = Math.Clamp(width / 4, 6, 22);
        int spark = Math.Max(width - bar - 30, 0);
        var util = s.GpuUtilizationHistory.TryGetValue(g.Index, out var uh) ? uh.Items : [];
        var mem = s.GpuMemoryHistory.TryGetValue(g.Index, out var mh) ? mh.Items : [];
        double? memFraction = g.MemoryUsedBytes is long used && g.MemoryTotalBytes is long total && total > 0 ? (double)used / total : null;
        lines.Add($" util {Format.Bar(g.UtilizationGpuPercent / 100, bar)} {Format.Percent(g.UtilizationGpuPercent),4} {Format.Sparkline(util, spark)}");
        lines.Add($" mem  {Format.Bar(memFraction, bar)} {Format.Bytes(g.MemoryUsedBytes)}/{Format.Bytes(g.MemoryTotalBytes)} {Format.Sparkline(mem, Math.Max(spark - 12, 0))}");
        lines.Add($" pwr {Watts(g.PowerWatts)}/{Watts(g.PowerLimitWatts)} W  {Format.Number(g.TemperatureC, "0")}°C  " +
                  $"SM {Clock(g.SmClockMHz)}/{Clock(g.SmClockMaxMHz)}  mem {Clock(g.MemoryClockMHz)}/{Clock(g.MemoryClockMaxMHz)} MHz");
        lines.Add($" throttle: {(g.ThrottleReasons.Count == 0 ? "none" : string.Join(",", g.ThrottleReasons))}" +
                  $"  pcie tx {Kb(g.PcieTxKBps)} rx {Kb(g.PcieRxKBps)}");
        var ours = g.Processes.Where(p => p.IsSelf).ToList();
        lines.Add(ours.Count > 0
            ? $" ours {Format.Bytes(ours.Sum(p => p.UsedMemoryBytes))} (pid {ours[0].Pid}); {g.Processes.Count} process(es)"
            : $" ours: not listed; {g.Processes.Count} process(es)");
        if (g.FieldErrors.Count > 0)
            lines.Add(" N/A: " + string.Join("; ", g.FieldErrors.Select(kv => $"{kv.Key} {kv.Value}")));
    }

    private static string Watts(double? w) => Format.Number(w, "0");

    private static string Clock(int? mhz) => mhz?.ToString(CultureInfo.InvariantCulture) ?? Format.NotAvailable;

    private static string Kb(long? kbps) => kbps is long k ? Format.Bytes(k * 1024) + "/s" : Format.NotAvailable;

    private static string LastGood(DateTimeOffset? t) =>
        t is { } time ? $" (last good sample {time.ToLocalTime():HH:mm:ss})" : " (no good sample yet)";
}
