using Terminal.Gui.ViewBase;

namespace DeltaTui.Dashboard.Views;

/// <summary>
/// Draws a list of lines clipped to its viewport. Panels compute the lines from state for the
/// current size (the session applies the state again when the window's size changes), and this
/// view only paints them.
/// </summary>
public sealed class TextLinesView : View
{
    private IReadOnlyList<string> _lines = [];

    public TextLinesView()
    {
        CanFocus = false;
    }

    /// <summary>The lines to paint; the same lines again mark nothing for redraw (a redraw is most of the UI's cost).</summary>
    public IReadOnlyList<string> Lines
    {
        get => _lines;
        set
        {
            if (_lines.SequenceEqual(value)) return;
            _lines = value;
            SetNeedsDraw();
        }
    }

    protected override bool OnDrawingContent(DrawContext? context)
    {
        var size = Viewport.Size;
        for (int y = 0; y < size.Height; y++)
        {
            string line = y < _lines.Count ? _lines[y] : "";
            AddStr(0, y, Format.Fit(line, size.Width));
        }
        return true;
    }
}
