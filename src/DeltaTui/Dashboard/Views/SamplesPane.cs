using DeltaTui.Dashboard.State;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>
/// The Samples pane (g/F8): per held-out prompt, the chosen and rejected answers from the data, the reference's completion
/// (step 0) and the policy's latest with its step, wrapped to the pane's width and scrolled by the state's offset.
/// Only reads state: toggling or scrolling it never touches training.
/// </summary>
public sealed class SamplesPane : FrameView
{
    private const string Indent = "    ";

    private readonly TextLinesView _text = new() { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill() };

    public SamplesPane()
    {
        Title = "Samples";
        CanFocus = false;
        Add(_text);
    }

    /// <summary>The lines on screen now (after scrolling).</summary>
    public IReadOnlyList<string> Shown => _text.Lines;

    /// <summary>Whether lines lie below the ones shown: PgDn has somewhere to go.</summary>
    public bool CanScrollDown { get; private set; }

    public void Apply(DashboardState s)
    {
        var width = Math.Max(Viewport.Width, 20);
        var all = Lines(s, width);
        var height = Math.Max(Viewport.Height, 1);
        var offset = Math.Clamp(s.Ui.SamplesScroll, 0, Math.Max(0, all.Count - height));
        var latest = s.Samples.Select(r => r.PolicyStep).Max();
        Title = $"Samples{(latest is int step ? $" (policy at step {step})" : "")}  g/F8 hide  PgUp/PgDn scroll"
            + (all.Count > height ? $"  lines {offset + 1}-{Math.Min(all.Count, offset + height)} of {all.Count}" : "");
        _text.Lines = all.Skip(offset).ToList();
        CanScrollDown = offset + height < all.Count;
    }

    /// <summary>Every line of the pane for a content width of <paramref name="width"/> columns, before scrolling.</summary>
    public static IReadOnlyList<string> Lines(DashboardState s, int width)
    {
        if (s.Samples.IsEmpty)
            return ["no samples yet: the policy completes training.eval_samples held-out prompts at step 0 and at every evaluation",
                "(training.eval_every); training.eval_samples = 0 turns them off"];
        var lines = new List<string>();
        foreach (var row in s.Samples)
        {
            if (lines.Count > 0) lines.Add(new string('─', Math.Max(1, width)));
            Field(lines, $"#{row.Index + 1} prompt", row.Prompt, width);
            Field(lines, "chosen", row.Chosen, width);
            Field(lines, "rejected", row.Rejected, width);
            Field(lines, "reference (step 0)", row.Reference ?? "(not generated: only at step 0 of a run)", width);
            Field(lines, row.PolicyStep is int step ? $"policy (step {step})" : "policy", row.Policy ?? "(none yet)", width);
        }
        return lines;
    }

    /// <summary>A label line, then the text wrapped under it, indented; empty text shows as (empty).</summary>
    private static void Field(List<string> lines, string label, string text, int width)
    {
        lines.Add(label + ":");
        var room = Math.Max(8, width - Indent.Length);
        // A model's text may hold control characters (an untrained one often does): drawn raw they would move the cursor.
        var body = new string(text.Replace("\r\n", "\n").Replace('\t', ' ').TrimEnd('\n')
            .Select(c => c != '\n' && char.IsControl(c) ? '·' : c).ToArray());
        if (body.Length == 0) { lines.Add(Indent + "(empty)"); return; }
        foreach (var paragraph in body.Split('\n'))
        {
            var rest = paragraph;
            if (rest.Length == 0) { lines.Add(""); continue; }
            while (rest.Length > room)
            {
                var cut = rest.LastIndexOf(' ', room, room);
                if (cut <= room / 2) cut = room;
                lines.Add(Indent + rest[..cut].TrimEnd());
                rest = rest[cut..].TrimStart(' ');
            }
            lines.Add(Indent + rest);
        }
    }
}
