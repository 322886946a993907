using DeltaTui.Dashboard;
using DeltaTui.Dashboard.State;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;
using Terminal.Gui.App;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;
using Terminal.Gui.Time;

namespace DeltaTui.Tests.Dashboard;

/// <summary>A dashboard on Terminal.Gui's ANSI driver with a virtual screen and clock.</summary>
internal sealed class DashboardHarness : IDisposable
{
    private readonly SessionToken? _token;

    public DashboardHarness(int width = 80, int height = 24, bool readOnly = false, UiFlags? ui = null)
    {
        Time = new VirtualTimeProvider();
        App = Application.Create(Time);
        App.Init("ansi");
        App.Driver!.SetScreenSize(width, height);
        Window = new DashboardWindow { ReadOnly = readOnly };
        Session = new DashboardSession(App, Window, readOnly ? null : Control, DashboardState.Initial(ui));
        _token = App.Begin(Window);
        Session.DrawNow();
        App.LayoutAndDraw();
    }

    public VirtualTimeProvider Time { get; }
    public IApplication App { get; }
    public DashboardWindow Window { get; }
    public DashboardSession Session { get; }
    public RecordingControl Control { get; } = new();

    public void Post(params RunEvent[] events)
    {
        foreach (var e in events) Session.Post(e);
    }

    /// <summary>Draws the newest state now (as the UI thread would at its next redraw) and returns the screen.</summary>
    public string Screen()
    {
        Session.DrawNow();
        App.LayoutAndDraw();
        // Twice: the first layout gives panels their sizes, the second draws content sized to them.
        Session.DrawNow();
        App.LayoutAndDraw(true);
        return App.Driver!.ToString() ?? "";
    }

    public void Press(Key key)
    {
        App.InjectKey(key);
    }

    public void Dispose()
    {
        Session.Dispose();
        if (_token is not null) App.End(_token);
        Window.Dispose();
        App.Dispose();
    }
}

internal sealed class RecordingControl : ITrainingControl
{
    public List<string> Calls { get; } = [];
    public void RequestSaveMasks() => Calls.Add("save");
    public void Pause() => Calls.Add("pause");
    public void Resume() => Calls.Add("resume");
    public void RequestStop() => Calls.Add("stop");
    public void SetPerTensorIou(bool enabled) => Calls.Add(enabled ? "iou-on" : "iou-off");
    public void SetMaskInterval(int steps) => Calls.Add($"mask-interval {steps}");
}
