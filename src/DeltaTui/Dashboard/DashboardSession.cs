using System.Threading.Channels;
using DeltaTui.Dashboard.State;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;
using Terminal.Gui.App;
using Terminal.Gui.ViewBase;

namespace DeltaTui.Dashboard;

/// <summary>
/// Connects an event stream to a <see cref="DashboardWindow"/>: events are folded into state off the
/// UI thread as fast as they come; the window is redrawn from the newest state on the UI thread
/// (through <c>app.Invoke</c>) at most <see cref="MaxRedrawsPerSecond"/> times a second. The trainer
/// never waits for the UI: intermediate states are skipped, events never are.
/// Key presses become intents: view changes are folded like events, training commands go to
/// <see cref="ITrainingControl"/> (absent in replay).
/// </summary>
public sealed class DashboardSession : IDisposable
{
    public const int MaxRedrawsPerSecond = 4;
    private static readonly TimeSpan MinRedrawInterval = TimeSpan.FromSeconds(1.0 / MaxRedrawsPerSecond);

    private readonly IApplication _app;
    private readonly DashboardWindow _window;
    private readonly ITrainingControl? _control;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private DashboardState _state;
    private long _version;
    private long _drawnVersion = -1;
    private int _drawScheduled;
    private long _lastDrawTicks;
    private bool _stopRequestedHere;
    private bool _disposed;
    private readonly bool _canDetach;

    public DashboardSession(IApplication app, DashboardWindow window, ITrainingControl? control, DashboardState initial, TimeProvider? time = null,
                            bool canDetach = false)
    {
        _canDetach = canDetach;
        _app = app;
        _window = window;
        _control = control;
        _state = initial;
        _time = time ?? TimeProvider.System;
        app.Keyboard.KeyDown += OnKeyDown;
        window.ViewportChanged += OnResized;
    }

    public DashboardState State { get { lock (_gate) return _state; } }

    public int Draws { get; private set; }

    /// <summary>How many redraws were handed to the UI thread; coalesced, so far fewer than events.</summary>
    public int DrawRequests => _drawRequests;

    private int _drawRequests;

    /// <summary>Set when the user asked to leave (q after the run ended, or after a confirmed stop finished saving).</summary>
    public bool ExitRequested { get; private set; }

    /// <summary>Set when the user detached an attached dashboard (the run goes on).</summary>
    public bool DetachRequested { get; private set; }

    /// <summary>Folds one event. Safe from any thread; never blocks on the UI.</summary>
    public void Post(RunEvent e)
    {
        lock (_gate)
        {
            _state = DashboardReducer.Reduce(_state, e);
            _version++;
        }
        if (e is RunFinished or RunFailed && _stopRequestedHere) ExitRequested = true;
        ScheduleDraw();
    }

    /// <summary>Drains a subscription until it completes or the token fires.</summary>
    public Task PumpAsync(ChannelReader<RunEvent> reader, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (reader.TryRead(out var e)) Post(e);
        }
        catch (OperationCanceledException) { }
    }, CancellationToken.None);

    /// <summary>Applies the newest state to the window; UI thread only.</summary>
    public void DrawNow()
    {
        Interlocked.Exchange(ref _drawScheduled, 0);
        if (_disposed) return;
        DashboardState state;
        long version;
        lock (_gate) { state = _state; version = _version; }
        if (version != _drawnVersion)
        {
            _window.Apply(state);
            _drawnVersion = version;
            Draws++;
        }
        Interlocked.Exchange(ref _lastDrawTicks, _time.GetTimestamp());
        if (ExitRequested) _app.RequestStop();
    }

    public void Handle(DashboardIntent intent)
    {
        switch (intent)
        {
            case DashboardIntent.SaveMasks: _control?.RequestSaveMasks(); break;
            case DashboardIntent.TogglePause:
                if (State.RunState == RunState.Paused) _control?.Resume(); else _control?.Pause();
                break;
            case DashboardIntent.AskStop: Fold(UiAction.AskStop); break;
            case DashboardIntent.CancelStop: Fold(UiAction.CancelStop); break;
            case DashboardIntent.ConfirmStop:
                _stopRequestedHere = true;
                Fold(UiAction.ConfirmStop);
                _control?.RequestStop();
                break;
            case DashboardIntent.Quit: ExitRequested = true; break;
            case DashboardIntent.ToggleJaccard:
                Fold(UiAction.ToggleJaccard);
                // The pane and the trainer's per-tensor IoU go together: shown means computed, hidden means no extra work.
                _control?.SetPerTensorIou(State.Ui.ShowJaccard);
                break;
            case DashboardIntent.ToggleSamples:
                bool jaccardWasShown = State.Ui.ShowJaccard;
                Fold(UiAction.ToggleSamples);
                // The Samples pane takes the Jaccard pane's place; its per-tensor IoU goes with it.
                if (jaccardWasShown && !State.Ui.ShowJaccard) _control?.SetPerTensorIou(false);
                break;
            case DashboardIntent.ScrollSamplesUp: Fold(UiAction.ScrollSamplesUp); break;
            // The pane knows how many lines its width makes: past the last one there is nothing to scroll to.
            case DashboardIntent.ScrollSamplesDown: if (_window.Samples.CanScrollDown) Fold(UiAction.ScrollSamplesDown); break;
            case DashboardIntent.CloseOverlay:
                bool jaccardWasOpen = !State.Ui.ShowHelp && State.Ui.ShowJaccard;
                Fold(UiAction.CloseOverlay);
                if (jaccardWasOpen) _control?.SetPerTensorIou(false);
                break;
            case DashboardIntent.ToggleDeltaPerTensor: Fold(UiAction.ToggleDeltaPerTensor); break;
            case DashboardIntent.ToggleSmoothing: Fold(UiAction.ToggleSmoothing); break;
            case DashboardIntent.ToggleHelp: Fold(UiAction.ToggleHelp); break;
            case DashboardIntent.CycleJaccardSort: Fold(UiAction.CycleJaccardSort); break;
            case DashboardIntent.ScrollJaccardUp: _window.Jaccard.Scroll(-10); break;
            case DashboardIntent.ScrollJaccardDown: _window.Jaccard.Scroll(10); break;
            case DashboardIntent.Detach when _canDetach: DetachRequested = true; ExitRequested = true; break;
            case DashboardIntent.Redraw: _app.ClearScreenNextIteration = true; _drawnVersion = -1; break;
        }
        DrawNow();
    }

    private void Fold(UiAction action)
    {
        lock (_gate)
        {
            _state = DashboardReducer.Reduce(_state, action);
            _version++;
        }
    }

    private void OnKeyDown(object? sender, Terminal.Gui.Input.Key key)
    {
        if (KeyMap.Map(key, State, _window.ReadOnly) is { } intent)
        {
            key.Handled = true;
            Handle(intent);
        }
    }

    // Panels compute their lines and charts for their size when state is applied: a new size (the first layout, a
    // resized terminal) applies the same state again, though no event came.
    private void OnResized(object? sender, DrawEventArgs e)
    {
        _drawnVersion = -1;
        ScheduleDraw();
    }

    private void ScheduleDraw()
    {
        if (_disposed || Interlocked.CompareExchange(ref _drawScheduled, 1, 0) != 0) return;
        Interlocked.Increment(ref _drawRequests);
        var since = _time.GetElapsedTime(Interlocked.Read(ref _lastDrawTicks));
        var wait = MinRedrawInterval - since;
        if (wait <= TimeSpan.Zero) _app.Invoke(DrawNow);
        else _ = Task.Delay(wait, _time).ContinueWith(_ => { if (!_disposed) _app.Invoke(DrawNow); }, TaskScheduler.Default);
    }

    public void Dispose()
    {
        _disposed = true;
        _app.Keyboard.KeyDown -= OnKeyDown;
        _window.ViewportChanged -= OnResized;
    }
}
