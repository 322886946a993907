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
    }

    private (IouSnapshot? Iou, JaccardSort Sort)? _shown;

    public TableView Table => _table;

    public void Apply(DashboardState s)
    {
        Title = $"Jaccard debug (j/F2 hide, o/F7 sort: {SortName(s.Ui.JaccardSort)}, PgUp/PgDn scroll)";
        var perTensor = s.Iou?.PerTensor ?? [];
        // A new table only for a new snapshot or sort order: a new table repaints the pane (hundreds of rows),
        // and most updates (steps, telemetry) change neither.
        if (_shown != (s.Iou, s.Ui.JaccardSort))
        {
            _table.Table = new RowsTableSource(Columns, Sorted(perTensor, s.Ui.JaccardSort).Select(ToCells).ToList());
            _shown = (s.Iou, s.Ui.JaccardSort);
        }
        var errs = s.IouErrors.Items;
        _errors.Lines = errs.IsEmpty
            ? [perTensor.Count == 0 ? "no per-tensor IoU yet (computed at mask intervals in debug mode)" : "no IoU errors"]
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

    private static string[] ToCells(TensorIou r) =>
    [
        r.Comparison, r.Tensor, Format.Count(r.SizeA), Format.Count(r.SizeB), Format.Count(r.Intersection), Format.Count(r.Union),
        r.Iou.ToString("0.0000", CultureInfo.InvariantCulture), Format.Number(r.OverlapOfA, "0.000"),
        Format.Number(r.OverlapOfB, "0.000"), Format.Number(r.Chance, "0.000"),
    ];
}
