using System.Globalization;
using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>
/// The Jaccard debug pane: per-tensor |A|, |B|, |A∩B|, |A∪B|, IoU and one-sided overlaps, sortable,
/// and the last errors the IoU computation reported. Only reads state: toggling it never touches training.
/// </summary>
public sealed class JaccardPane : FrameView
{
    public static readonly string[] Columns = ["comparison", "tensor", "|A|", "|B|", "|A∩B|", "|A∪B|", "IoU", "∩/|A|", "∩/|B|", "chance"];

    private readonly TableView _table = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(3), CanFocus = false };
    private readonly TextLinesView _errors = new() { X = 0, Y = Pos.AnchorEnd(3), Width = Dim.Fill(), Height = 3 };

    public JaccardPane()
    {
        Title = "Jaccard debug";
        CanFocus = false;
        Add(_table, _errors);
        // Shown for the first time, the pane has no width yet: it lays its table out again once it has one.
        ViewportChanged += (_, _) => { if (_last is { } last) Apply(last); };
    }

    private DashboardState? _last;

    private (IouSnapshot? Iou, JaccardSort Sort, bool Narrow)? _shown;

    /// <summary>Below this width tensor and comparison names are abbreviated so that the numbers stay on screen.</summary>
    public const int WideEnough = 140;

    public TableView Table => _table;

    public void Apply(DashboardState s)
    {
        _last = s;
        Title = $"Jaccard debug (j/F2 or Esc hide, o/F7 sort: {SortName(s.Ui.JaccardSort)}, PgUp/PgDn scroll)";
        var perTensor = s.Iou?.PerTensor ?? [];
        bool narrow = Viewport.Width < WideEnough;
        // A new table only for a new snapshot, sort order or width class: a new table repaints the pane (hundreds
        // of rows), and most updates (steps, telemetry) change none of them.
        if (_shown != (s.Iou, s.Ui.JaccardSort, narrow))
        {
            _table.Table = new RowsTableSource(Columns, Sorted(perTensor, s.Ui.JaccardSort).Select(r => ToCells(r, narrow)).ToList());
            _table.MaxCellWidth = narrow ? 28 : 64;
            _shown = (s.Iou, s.Ui.JaccardSort, narrow);
        }
        var errs = s.IouErrors.Items;
        string confined = IouPanel.IsConfined(s) ? "  Magnitude and momentum are confined to the active set (see the IoU panel)." : "";
        _errors.Lines = errs.IsEmpty
            ? [(perTensor.Count == 0
                ? s.IsOver ? "no per-tensor IoU: the run ended before it was computed" : "computing per-tensor IoU from the current scores (next step boundary)..."
                : $"per-tensor IoU at step {s.Iou!.Step}; refreshed at each mask interval") + confined]
            : ["last IoU errors:", .. errs.TakeLast(2).Select(e => "  " + e.Text)];
    }

    public void Scroll(int rows)
    {
        int max = Math.Max((_table.Table?.Rows ?? 0) - 1, 0);
        _table.RowOffset = Math.Clamp(_table.RowOffset + rows, 0, max);
        _table.SetNeedsDraw();
    }

    public static IEnumerable<TensorIou> Sorted(IEnumerable<TensorIou> rows, JaccardSort sort) => sort switch
    {
        JaccardSort.IouAscending => rows.OrderBy(r => r.Iou).ThenBy(r => r.Tensor, StringComparer.Ordinal),
        JaccardSort.IouDescending => rows.OrderByDescending(r => r.Iou).ThenBy(r => r.Tensor, StringComparer.Ordinal),
        JaccardSort.Name => rows.OrderBy(r => r.Tensor, StringComparer.Ordinal).ThenBy(r => r.Comparison, StringComparer.Ordinal),
        JaccardSort.UnionDescending => rows.OrderByDescending(r => r.Union).ThenBy(r => r.Tensor, StringComparer.Ordinal),
        _ => rows,
    };

    public static string SortName(JaccardSort sort) => sort switch
    {
        JaccardSort.IouAscending => "IoU ↑",
        JaccardSort.IouDescending => "IoU ↓",
        JaccardSort.Name => "name",
        JaccardSort.UnionDescending => "|A∪B| ↓",
        _ => sort.ToString(),
    };

    /// <summary>momentum_vs_magnitude → mom/mag, for narrow panes.</summary>
    public static string ShortComparison(string comparison) =>
        string.Join("/", comparison.Split("_vs_").Select(part => part.Length > 4 ? part[..3] : part));

    private static string[] ToCells(TensorIou r, bool narrow) =>
    [
        narrow ? ShortComparison(r.Comparison) : r.Comparison, narrow ? DeltaPanel.Abbreviate(r.Tensor) : r.Tensor, Format.Count(r.SizeA), Format.Count(r.SizeB), Format.Count(r.Intersection), Format.Count(r.Union),
        r.Iou.ToString("0.0000", CultureInfo.InvariantCulture), Format.Number(r.OverlapOfA, "0.000"),
        Format.Number(r.OverlapOfB, "0.000"), Format.Number(r.Chance, "0.000"),
    ];
}
