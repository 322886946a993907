using System.Drawing;
using System.Globalization;
using System.Text;
using DeltaTui.Dashboard.State;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>One line of a chart: points, the rune it is drawn with, and whether it is a line or loose points.</summary>
public sealed record ChartLine(string Name, IReadOnlyList<SeriesPoint> Points, char Rune, bool AsPoints = false);

/// <summary>
/// A GraphView showing several metrics over steps. Terminal.Gui's GraphView has no line series,
/// so lines are PathAnnotations and loose points (eval) a ScatterSeries.
/// </summary>
public sealed class StepChart : GraphView
{
    public StepChart()
    {
        CanFocus = false;
        MarginLeft = 6;
        MarginBottom = 1;
        AxisY.LabelGetter = v => v.Value.ToString(Math.Abs(v.Value) >= 10 ? "0" : "0.0#", CultureInfo.InvariantCulture);
        AxisX.LabelGetter = v => v.Value.ToString("0", CultureInfo.InvariantCulture);
    }

    public ChartScale Scale { get; private set; }

    private object? _shownSources;
    private Size _shownSize;

    /// <summary>
    /// Rebuilds the chart only when what it shows changed: <paramref name="sources"/> names the immutable state it is
    /// drawn from (e.g. a tuple of the series objects and flags), so equal sources at the same size are the same
    /// picture, and an update that changed another panel repaints nothing here.
    /// </summary>
    /// <param name="xEnd">The run's last step: the x-axis ends there and no later (0: at the newest point).</param>
    public void Show(object sources, Func<IReadOnlyList<ChartLine>> lines, double yFloor = 0, double yCeiling = 1, int xEnd = 0)
    {
        if (Equals(sources, _shownSources) && Viewport.Size == _shownSize) return;
        _shownSources = sources;
        _shownSize = Viewport.Size;
        Show(lines(), yFloor, yCeiling, xEnd);
    }

    public void Show(IReadOnlyList<ChartLine> lines, double yFloor = 0, double yCeiling = 1, int xEnd = 0)
    {
        int columns = Math.Max(Viewport.Width - (int)MarginLeft, 1);
        int rows = Math.Max(Viewport.Height - (int)MarginBottom, 1);
        Scale = ChartScale.Fit(lines.Select(l => l.Points), columns, rows, yFloor, yCeiling, xEnd);
        Annotations.Clear();
        Series.Clear();
        CellSize = new PointF(Scale.StepsPerCell, Scale.ValuePerCell);
        ScrollOffset = new PointF((float)Scale.XMin, (float)Scale.YMin);
        // Labels at whole fractions of the visible span, so the last one is the run's last step when it fits.
        AxisX.Increment = Scale.StepsPerCell * Math.Max(columns / 4, 1);
        AxisX.ShowLabelsEvery = 1;
        AxisY.Increment = Scale.ValuePerCell * Math.Max(rows / 3, 1);
        AxisY.ShowLabelsEvery = 1;
        foreach (var line in lines)
        {
            var visible = line.Points.Where(p => p.Step >= Scale.XMin && double.IsFinite(p.Value))
                                     .Select(p => new PointF((float)p.Step, (float)p.Value)).ToList();
            if (visible.Count == 0) continue;
            if (line.AsPoints || visible.Count == 1)
                Series.Add(new ScatterSeries { Points = visible, Fill = new GraphCellToRender(new Rune(line.Rune)) });
            else
                Annotations.Add(new PathAnnotation { Points = visible, LineRune = new Rune(line.Rune), BeforeSeries = true });
        }
        SetNeedsDraw();
    }
}
