using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>‖Δ‖, ‖Δ‖/‖θ0‖ and % updated per layer group or per tensor, and the five most changed tensors.</summary>
public sealed class DeltaPanel : FrameView
{
    private readonly TextLinesView _text = new() { Width = Dim.Fill(), Height = Dim.Fill() };

    public DeltaPanel()
    {
        Title = "Weight delta";
        CanFocus = false;
        Add(_text);
    }

    public void Apply(DashboardState s)
    {
        Title = s.Ui.DeltaPerTensor ? "Weight delta (per tensor, d)" : "Weight delta (per group, d)";
        _text.Lines = Render(s, Math.Max(Viewport.Width, 30), Math.Max(Viewport.Height, 4));
    }

    public sealed record Row(string Name, long Elements, double Norm, double RelativeNorm, double FractionUpdated, double MaxAbs);

    public static IReadOnlyList<string> Render(DashboardState s, int width, int height)
    {
        if (s.Delta is not { } delta) return ["no delta statistics yet"];
        int nameWidth = Math.Clamp(width - 34, 8, 48);
        var lines = new List<string> { $"{Format.Fit("step " + delta.Step, nameWidth)} {"‖Δ‖",9} {"‖Δ‖/‖θ0‖",9} {"updated",8}" };
        var rows = s.Ui.DeltaPerTensor
            ? delta.Tensors.Select(t => new Row(t.Name, t.Elements, t.Norm, t.RelativeNorm, t.FractionUpdated, t.MaxAbs))
                           .OrderByDescending(r => r.RelativeNorm).ToList()
            : Groups(delta.Tensors);
        var top = delta.Tensors.OrderByDescending(t => t.RelativeNorm).Take(5).ToList();
        int room = Math.Max(height - 2 - top.Count, 1);
        foreach (var r in rows.Take(room))
            lines.Add($"{Format.Fit(r.Name, nameWidth)} {Format.Number(r.Norm, "0.00e+0"),9} {Format.Number(r.RelativeNorm, "0.00e+0"),9} {Format.Percent(100 * r.FractionUpdated, "0.0"),8}");
        lines.Add("top changed: " + (top.Count == 0 ? "-" : ""));
        foreach (var t in top) lines.Add($"  {Format.Fit(t.Name, nameWidth)} {Format.Number(t.RelativeNorm, "0.00e+0")}");
        return lines;
    }

    /// <summary>The layer group a tensor belongs to, by its Hugging Face name.</summary>
    public static string GroupOf(string name) =>
        name.Contains("embed", StringComparison.Ordinal) ? "embeddings"
        : name.Contains("q_proj", StringComparison.Ordinal) ? "attn q"
        : name.Contains("k_proj", StringComparison.Ordinal) ? "attn k"
        : name.Contains("v_proj", StringComparison.Ordinal) ? "attn v"
        : name.Contains("o_proj", StringComparison.Ordinal) ? "attn o"
        : name.Contains("gate_proj", StringComparison.Ordinal) ? "mlp gate"
        : name.Contains("up_proj", StringComparison.Ordinal) ? "mlp up"
        : name.Contains("down_proj", StringComparison.Ordinal) ? "mlp down"
        : name.Contains("norm", StringComparison.Ordinal) ? "norms"
        : "other";

    public static List<Row> Groups(IReadOnlyList<TensorDelta> tensors)
    {
        string[] order = ["embeddings", "attn q", "attn k", "attn v", "attn o", "mlp gate", "mlp up", "mlp down", "norms", "other"];
        return tensors.GroupBy(t => GroupOf(t.Name))
            .Select(g =>
            {
                double sq = g.Sum(t => t.Norm * t.Norm);
                // ‖θ0‖ is recovered per tensor from ‖Δ‖ and ‖Δ‖/‖θ0‖ so the group ratio is exact, not a mean of ratios.
                double theta0Sq = g.Where(t => t.RelativeNorm > 0).Sum(t => Math.Pow(t.Norm / t.RelativeNorm, 2));
                long elements = g.Sum(t => t.Elements);
                double updated = elements > 0 ? g.Sum(t => t.FractionUpdated * t.Elements) / elements : 0;
                return new Row(g.Key, elements, Math.Sqrt(sq), theta0Sq > 0 ? Math.Sqrt(sq / theta0Sq) : 0, updated, g.Max(t => t.MaxAbs));
            })
            .OrderBy(r => Array.IndexOf(order, r.Name))
            .ToList();
    }
}
