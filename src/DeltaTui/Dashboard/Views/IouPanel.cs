using DeltaTui.Core.Events;
using DeltaTui.Dashboard.State;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>
/// Live IoU of Momentum and Fisher masks against Magnitude, of each method against its previous mask and, with
/// optimizer.active_from, against that mask, each with its chance value and a chart. In a block-sparse run the
/// comparisons that are confined to the active set say so, and the active set's coverage and churn are shown
/// (docs/iou.md says what every number means).
/// </summary>
public sealed class IouPanel : FrameView
{
    /// <summary>Metric names published by the engine, in display order, with a short label and chart rune.</summary>
    public static readonly (string Metric, string Label, char Rune)[] Comparisons =
    [
        (DpoMetricNames.IouMomentumVsMagnitude, "momentum vs magnitude", 'm'),
        (DpoMetricNames.IouFisherVsMagnitude, "fisher vs magnitude", 'f'),
        (DpoMetricNames.IouMagnitudeVsPrevious, "magnitude vs prev", 'M'),
        (DpoMetricNames.IouMomentumVsPrevious, "momentum vs prev", 'o'),
        (DpoMetricNames.IouFisherVsPrevious, "fisher vs prev", 'F'),
        (DpoMetricNames.IouMagnitudeVsReference, "magnitude vs active_from", 'r'),
    ];

    /// <summary>The note that must accompany a comparison of two scores that are zero outside the active set.</summary>
    public const string ConfinedNote = "* confined to the active set";

    /// <summary>Rows of text above the chart (fixed, so that the layout never depends on the numbers).</summary>
    public const int TextRows = 11;

    private readonly TextLinesView _text = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = TextRows };
    private readonly StepChart _chart = new() { X = 0, Y = TextRows, Width = Dim.Fill(), Height = Dim.Fill() };

    public IouPanel()
    {
        Title = "Mask IoU (vs chance)";
        CanFocus = false;
        Add(_text, _chart);
    }

    public void Apply(DashboardState s)
    {
        var lines = Render(s, Math.Max(Viewport.Width, 20));
        _text.Lines = lines;
        _chart.Visible = Viewport.Height > TextRows + 3;
        if (_chart.Visible)
            _chart.Show((s.IouHistory, s.TotalSteps), () => Comparisons.Select(c => new ChartLine(c.Label,
                s.IouHistory.TryGetValue(c.Metric, out var h) ? h.Items : [], c.Rune)).ToList(), xEnd: s.TotalSteps);
    }

    /// <summary>
    /// Whether Magnitude and Momentum of this run can be non-zero only inside an active set: the engine says so, the
    /// active set is below density 1, or a block-sparse optimizer has not told its density yet.
    /// </summary>
    public static bool IsConfined(DashboardState s) =>
        (s.Iou?.Metrics.TryGetValue(DpoMetricNames.IouConfined, out var c) == true && c > 0)
        || (s.ActiveSet is { } a && a.ActiveBlocks < a.TotalBlocks)
        || (s.Optimizer.StartsWith("bsr-adamw", StringComparison.Ordinal) && s.Iou?.Metrics.ContainsKey(DpoMetricNames.ActiveDensity) != true
            && s.ActiveSet is null);

    public static IReadOnlyList<string> Render(DashboardState s, int width = 60)
    {
        var lines = new List<string>();
        bool confined = IsConfined(s);
        if (s.Iou is not { } iou)
        {
            lines.Add("no masks compared yet");
            if (confined) lines.Add(ConfinedNote);
        }
        else
        {
            var m = iou.Metrics;
            string keep = m.TryGetValue(DpoMetricNames.IouMaskKeep, out var k) ? $" keep {Format.Percent(100 * k, k < 0.1 ? "0.0#" : "0")}" : "";
            lines.Add($"{Format.Fit($"step {iou.Step}{keep}", 24)}{"IoU",6} {"chance",6}");
            if (confined)
            {
                // Right under the header, so that no size of the panel shows the comparison without it.
                double? density = m.TryGetValue(DpoMetricNames.ActiveDensity, out var d) ? d
                    : s.ActiveSet is { TotalBlocks: > 0 } a ? (double)a.ActiveBlocks / a.TotalBlocks : null;
                lines.Add(Format.Fit(ConfinedNote + (density is { } x ? $" ({Format.Percent(100 * x, x < 0.1 ? "0.#" : "0")})" : ""), width));
            }
            foreach (var (metric, label, rune) in Comparisons)
            {
                if (!m.TryGetValue(metric, out var v))
                {
                    if (metric == DpoMetricNames.IouMagnitudeVsReference) continue;
                    v = double.NaN;
                }
                bool starred = confined && metric is DpoMetricNames.IouMomentumVsMagnitude or DpoMetricNames.IouFisherVsMagnitude;
                string chance = m.TryGetValue(metric + DpoMetricNames.ChanceSuffix, out var c) ? Format.Number(c) : "";
                lines.Add($"{rune} {Format.Fit(label + (starred ? "*" : ""), 22)}{Format.Number(v),6} {chance,6}");
            }
        }
        if (confined)
            lines.AddRange(Wrap("magnitude and momentum move only inside the active set; chance is for random masks inside it", width));
        if (s.Iou?.Metrics is { } metrics && metrics.TryGetValue(DpoMetricNames.ActiveFisherCoverage, out var coverage))
        {
            string reference = metrics.TryGetValue(DpoMetricNames.ActiveReferenceCoverage, out var r) ? $", of active_from {Format.Number(r, "0.00")}" : "";
            lines.AddRange(Wrap($"coverage: Fisher mass in active set {Format.Number(coverage, "0.00")}{reference}", width));
        }
        if (s.ActiveSet is { } set)
            lines.AddRange(Wrap(set.ChurnIou is { } churn
                ? $"re-selected at step {set.Step}: IoU with previous {Format.Number(churn, "0.00")}, +{set.BlocksIn} -{set.BlocksOut} blocks"
                : $"active set from {set.Source} at step {set.Step}: {set.ActiveBlocks}/{set.TotalBlocks} blocks", width));
        return lines;
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        width = Math.Max(width, 10);
        var line = "";
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line;
                line = "  " + word;
            }
            else line = line.Length == 0 ? word : line + " " + word;
        }
        if (line.Length > 0) yield return line;
    }
}
