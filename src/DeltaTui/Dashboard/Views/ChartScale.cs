using DeltaTui.Dashboard.State;

namespace DeltaTui.Dashboard.Views;

/// <summary>
/// The visible window of a step chart: the newest steps that fit the width, so the chart scrolls
/// with training. Pure arithmetic, tested without a terminal.
/// </summary>
public readonly record struct ChartScale(double XMin, double XMax, double YMin, double YMax, float StepsPerCell, float ValuePerCell)
{
    /// <summary>Most steps one cell may stand for; older steps scroll out rather than compress further.</summary>
    public const int MaxStepsPerCell = 8;

    /// <param name="xEnd">The run's step count: the window never reaches past it (0: unknown).</param>
    public static ChartScale Fit(IEnumerable<IReadOnlyList<SeriesPoint>> series, int columns, int rows, double yFloor = 0, double yCeiling = 1, int xEnd = 0)
    {
        columns = Math.Max(columns, 1);
        rows = Math.Max(rows, 1);
        double first = double.MaxValue, last = double.MinValue;
        foreach (var s in series)
        {
            if (s.Count == 0) continue;
            first = Math.Min(first, s[0].Step);
            last = Math.Max(last, s[^1].Step);
        }
        if (first > last) { first = 0; last = xEnd > 0 ? xEnd : columns; }
        double span = Math.Max(last - first, 1);
        float stepsPerCell = (float)Math.Clamp(Math.Ceiling(span / columns), 1, MaxStepsPerCell);
        double xMin = Math.Max(first, last - stepsPerCell * (columns - 1));
        // With the run's length known and the whole run fitting the width, the axis runs from the first point to the
        // run's last step exactly: no label past the end of the run.
        if (xEnd > 0 && last <= xEnd && (xEnd - first) / Math.Max(columns - 1, 1) <= MaxStepsPerCell)
        {
            xMin = first;
            last = xEnd;
            stepsPerCell = (float)(Math.Max(xEnd - first, 1) / Math.Max(columns - 1, 1));
        }

        double yMin = yFloor, yMax = yCeiling;
        foreach (var s in series)
            foreach (var p in s)
                if (p.Step >= xMin && double.IsFinite(p.Value)) { yMin = Math.Min(yMin, p.Value); yMax = Math.Max(yMax, p.Value); }
        if (yMax - yMin < 1e-9) yMax = yMin + 1;
        float valuePerCell = (float)((yMax - yMin) / Math.Max(rows - 1, 1));
        return new ChartScale(xMin, last, yMin, yMax, stepsPerCell, valuePerCell);
    }

    /// <summary>Exponential moving average, the usual smoothing of noisy training curves.</summary>
    public static IReadOnlyList<SeriesPoint> Smooth(IReadOnlyList<SeriesPoint> points, double alpha = 0.15)
    {
        var result = new SeriesPoint[points.Count];
        double ema = 0;
        for (int i = 0; i < points.Count; i++)
        {
            ema = i == 0 ? points[i].Value : alpha * points[i].Value + (1 - alpha) * ema;
            result[i] = points[i] with { Value = ema };
        }
        return result;
    }
}
