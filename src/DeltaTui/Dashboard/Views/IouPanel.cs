using DeltaTui.Dashboard.State;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>Live IoU of Momentum and Fisher masks against Magnitude, and of each method against its previous mask, with chance values and a chart.</summary>
public sealed class IouPanel : FrameView
{
    /// <summary>Metric names published by the engine, in display order, with a short label and chart rune.</summary>
    public static readonly (string Metric, string Label, char Rune)[] Comparisons =
    [
        ("iou/momentum_vs_magnitude", "momentum vs magnitude", 'm'),
        ("iou/fisher_vs_magnitude", "fisher vs magnitude", 'f'),
        ("iou/magnitude_vs_prev", "magnitude vs prev", 'M'),
        ("iou/momentum_vs_prev", "momentum vs prev", 'o'),
        ("iou/fisher_vs_prev", "fisher vs prev", 'F'),
    ];

    private readonly TextLinesView _text = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = Comparisons.Length + 1 };
    private readonly StepChart _chart = new() { X = 0, Y = Comparisons.Length + 1, Width = Dim.Fill(), Height = Dim.Fill() };

    public IouPanel()
    {
        Title = "Mask IoU (vs chance)";
        CanFocus = false;
        Add(_text, _chart);
    }

    public void Apply(DashboardState s)
    {
        _text.Lines = Render(s);
        _chart.Visible = Viewport.Height > Comparisons.Length + 4;
        if (_chart.Visible)
            _chart.Show(s.IouHistory, () => Comparisons.Select(c => new ChartLine(c.Label,
                s.IouHistory.TryGetValue(c.Metric, out var h) ? h.Items : [], c.Rune)).ToList());
    }

    public static IReadOnlyList<string> Render(DashboardState s)
    {
        if (s.Iou is not { } iou) return ["no masks compared yet"];
        var lines = new List<string> { $"step {iou.Step}            IoU    chance" };
        foreach (var (metric, label, rune) in Comparisons)
        {
            string value = iou.Metrics.TryGetValue(metric, out var v) ? Format.Number(v) : Format.NotAvailable;
            string chance = iou.Metrics.TryGetValue(metric + "/chance", out var c) ? Format.Number(c) : "";
            lines.Add($"{rune} {label,-21} {value,6}  {chance,6}");
        }
        return lines;
    }
}
