using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>The newest warnings, skipped steps, saves and telemetry breaker changes that fit.</summary>
public sealed class LogPane : FrameView
{
    private readonly TextLinesView _text = new() { Width = Dim.Fill(), Height = Dim.Fill() };

    public LogPane()
    {
        Title = "Log";
        CanFocus = false;
        Add(_text);
    }

    public void Apply(DashboardState s)
    {
        int rows = Math.Max(Viewport.Height, 1);
        _text.Lines = s.Log.Items.TakeLast(rows).Select(Line).ToList();
    }

    public static string Line(LogLine l) =>
        $"{l.Time.ToLocalTime():HH:mm:ss} {(l.Level switch { LogLevel.Warning => "WARN ", LogLevel.Error => "ERROR", _ => "     " })} {l.Text}{(l.Count > 1 ? $" (×{l.Count})" : "")}";
}
