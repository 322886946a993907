using DeltaTui.Core.Events;
using DeltaTui.Dashboard.State;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>Loss, reward margins and accuracies over steps, eval points, newest values in the title.</summary>
public sealed class TrainingPanel : FrameView
{
    private readonly TextLinesView _legend = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = 1 };
    private readonly StepChart _chart = new() { X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill() };

    public TrainingPanel()
    {
        Title = "Training";
        CanFocus = false;
        Add(_legend, _chart);
    }

    public StepChart Chart => _chart;

    public void Apply(DashboardState s)
    {
        bool smooth = s.Ui.Smoothing;
        IReadOnlyList<SeriesPoint> Maybe(Bounded<SeriesPoint> b) => smooth ? ChartScale.Smooth(b.Items) : b.Items;
        var m = s.LastMetrics;
        var e = s.LastEvalMetrics;
        _legend.Lines =
        [
            $"• loss {Value(m, DpoMetricNames.Loss)}  + margin {Value(m, DpoMetricNames.RewardsMargins)}  · acc {Value(m, DpoMetricNames.RewardsAccuracies)}" +
            (e.Count > 0 ? $"  ○ eval loss {Value(e, DpoMetricNames.EvalLoss)} acc {Value(e, DpoMetricNames.EvalRewardsAccuracies)}" : "") +
            (smooth ? "  [smoothed]" : ""),
        ];
        _chart.Show((s.Loss, s.Margins, s.Accuracies, s.EvalLoss, s.EvalAccuracies, smooth, s.TotalSteps), () =>
        [
            new ChartLine("loss", Maybe(s.Loss), '•'),
            new ChartLine("margins", Maybe(s.Margins), '+'),
            new ChartLine("accuracies", Maybe(s.Accuracies), '·'),
            new ChartLine("eval loss", s.EvalLoss.Items, 'o', AsPoints: true),
            new ChartLine("eval accuracies", s.EvalAccuracies.Items, '*', AsPoints: true),
        ], xEnd: s.TotalSteps);
    }

    private static string Value(IReadOnlyDictionary<string, double> m, string key) =>
        m.TryGetValue(key, out var v) ? Format.Number(v) : Format.NotAvailable;
}
