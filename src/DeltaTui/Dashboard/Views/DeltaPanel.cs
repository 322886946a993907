using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>
/// ‖Δ‖, ‖Δ‖ relative to the weight's scale and % updated per layer group or per tensor, and the most changed tensors
/// (as many as fit, up to five). The scale is ‖θ0‖, or ‖1+θ0‖ for Gemma's (1 + w) norm weights.
/// </summary>
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

    /// <summary>
    /// The tensor's change relative to its scale: ‖Δ‖/‖1+θ0‖ for Gemma's (1 + w) norm scales (from the engine, or
    /// ‖Δ‖/√n when θ0 is 0, which is the same), ‖Δ‖/‖θ0‖ otherwise; ‖Δ‖ itself when θ0 is 0 and nothing else applies.
    /// Always a number, so a tensor with θ0 = 0 never shows N/A.
    /// </summary>
    public static double Relative(TensorDelta t) =>
        t.ScaleRelativeNorm is double scale ? scale
        : double.IsFinite(t.RelativeNorm) && !(t.RelativeNorm == 0 && t.Norm > 0) ? t.RelativeNorm
        : IsNormScale(t.Name) && t.Elements > 0 ? t.Norm / Math.Sqrt(t.Elements)
        : t.Norm;

    /// <summary>Gemma's RMSNorm weights, applied as (1 + w).</summary>
    public static bool IsNormScale(string name) => name.EndsWith("norm.weight", StringComparison.Ordinal);

    /// <summary>A tensor name shortened for a narrow column: model.layers.12.self_attn.q_proj.weight → L12.attn.q_proj.</summary>
    public static string Abbreviate(string name)
    {
        var n = name.StartsWith("model.", StringComparison.Ordinal) ? name["model.".Length..] : name;
        if (n.EndsWith(".weight", StringComparison.Ordinal)) n = n[..^".weight".Length];
        if (n.StartsWith("layers.", StringComparison.Ordinal)) n = "L" + n["layers.".Length..];
        return n.Replace("self_attn.", "attn.", StringComparison.Ordinal).Replace("_layernorm", "_ln", StringComparison.Ordinal)
                .Replace("feedforward", "ff", StringComparison.Ordinal);
    }

    public static IReadOnlyList<string> Render(DashboardState s, int width, int height)
    {
        if (s.Delta is not { } delta) return ["no delta statistics yet"];
        int nameWidth = Math.Clamp(width - 29, 8, 48);
        string Name(string n) => Format.Fit(n.Length > nameWidth ? Abbreviate(n) : n, nameWidth);
        var lines = new List<string> { $"{Format.Fit("step " + delta.Step, nameWidth)} {"‖Δ‖",8} {"Δ/scale",8} {"upd",7}" };
        var rows = s.Ui.DeltaPerTensor
            ? delta.Tensors.Select(t => new Row(t.Name, t.Elements, t.Norm, Relative(t), t.FractionUpdated, t.MaxAbs))
                           .OrderByDescending(r => r.RelativeNorm).ToList()
            : Groups(delta.Tensors);
        int topCount = Math.Clamp((height - 3) / 3, 1, 5);
        var top = delta.Tensors.OrderByDescending(Relative).ThenBy(t => t.Name, StringComparer.Ordinal).Take(topCount).ToList();
        int room = Math.Max(height - 3 - top.Count, 1);
        foreach (var r in rows.Take(room))
            lines.Add($"{Name(r.Name)} {Format.Number(r.Norm, "0.00e+0"),8} {Format.Number(r.RelativeNorm, "0.00e+0"),8} {Format.Percent(100 * r.FractionUpdated, "0.0"),7}");
        if (rows.Count > room) lines[^1] = Format.Fit(lines[^1], Math.Max(width - 8, 1)) + $" +{rows.Count - room} more";
        lines.Add("top changed (Δ/scale):" + (top.Count == 0 ? " -" : ""));
        foreach (var t in top)
            lines.Add($"  {Name(t.Name + (IsNormScale(t.Name) ? " (1+w)" : ""))} {Format.Number(Relative(t), "0.00e+0")}");
        lines.Add(Format.Fit("scale: ‖θ0‖; norms ‖1+θ0‖ (Gemma (1+w))", Math.Max(width, 1)));
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
                // The scale (‖θ0‖, or ‖1+θ0‖ for norms) is recovered per tensor from ‖Δ‖ and ‖Δ‖/scale, so the group
                // ratio is exact, not a mean of ratios.
                double theta0Sq = g.Where(t => Relative(t) > 0).Sum(t => Math.Pow(t.Norm / Relative(t), 2));
                long elements = g.Sum(t => t.Elements);
                double updated = elements > 0 ? g.Sum(t => t.FractionUpdated * t.Elements) / elements : 0;
                return new Row(g.Key, elements, Math.Sqrt(sq), theta0Sq > 0 ? Math.Sqrt(sq / theta0Sq) : 0, updated, g.Max(t => t.MaxAbs));
            })
            .OrderBy(r => Array.IndexOf(order, r.Name))
            .ToList();
    }
}
