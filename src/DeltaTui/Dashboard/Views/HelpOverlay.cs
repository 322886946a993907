using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>Every shortcut with its function-key twin (function keys fail in some terminals).</summary>
public sealed class HelpOverlay : FrameView
{
    public static readonly (string Keys, string What)[] Shortcuts =
    [
        ("s  F3", "save Magnitude, Momentum and Fisher masks now (training continues)"),
        ("p  F4", "pause / resume training"),
        ("q  Esc  F10", "stop: finish the step, save masks, scores and checkpoint, exit"),
        ("j  F2", "show / hide the Jaccard debug pane"),
        ("g  F8", "show / hide the Samples pane: chosen, rejected, reference and policy completions"),
        ("o  F7", "Jaccard pane: change the sort order"),
        ("PgUp PgDn", "Samples or Jaccard pane: scroll"),
        ("d  F5", "weight delta: per layer group / per tensor"),
        ("m  F6", "smooth the training curves"),
        ("?  F1", "this help"),
        ("Ctrl+L", "redraw the screen"),
        ("Ctrl+C", "stop at once, like SIGINT: finish the step, save everything, exit"),
    ];

    public HelpOverlay()
    {
        Title = "Help (? or F1 to close)";
        CanFocus = false;
        Add(new TextLinesView
        {
            Width = Dim.Fill(), Height = Dim.Fill(),
            Lines = Shortcuts.Select(s => $"{s.Keys,-12} {s.What}").ToList(),
        });
    }
}
