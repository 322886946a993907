using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>Every shortcut with its function-key twin (function keys fail in some terminals), from <see cref="DashboardKeys"/>.</summary>
public sealed class HelpOverlay : FrameView
{
    public HelpOverlay()
    {
        Title = "Help (? F1 or Esc to close)";
        CanFocus = false;
        Add(new TextLinesView
        {
            Width = Dim.Fill(), Height = Dim.Fill(),
            Lines = DashboardKeys.HelpLines().ToList(),
        });
    }
}
