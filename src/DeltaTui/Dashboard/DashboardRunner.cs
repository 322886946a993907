using System.Threading.Channels;
using DeltaTui.Dashboard.State;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;
using Terminal.Gui.App;
using Terminal.Gui.Configuration;
using Terminal.Gui.Drawing;

namespace DeltaTui.Dashboard;

public enum DashboardExit
{
    /// <summary>The user left (after the run ended, or after a confirmed stop finished saving).</summary>
    Quit,

    /// <summary>The terminal went away (SIGHUP) or the caller detached the UI; the run goes on headless.</summary>
    Detached,
}

/// <param name="CanDetach">An attached dashboard (deltatui attach): Ctrl+D leaves it and the run goes on.</param>
public sealed record DashboardOptions(bool DebugJaccard = false, bool ReadOnly = false, string Title = "DeltaTui", bool CanDetach = false);

/// <summary>
/// Runs the full-screen dashboard on the current terminal until the user leaves or <paramref name="detach"/> fires.
/// The application is disposed on every path, so the terminal is restored also on exceptions.
/// </summary>
public static class DashboardRunner
{
    public const ushort MaxIterationsPerSecond = 10;

    public static DashboardExit Run(ChannelReader<RunEvent> events, ITrainingControl? control, DashboardOptions options,
                                    TerminalCapabilities terminal, CancellationToken detach)
    {
        // The main loop sleeps between iterations up to this rate (default 25 a second, each a timer wake-up); the
        // dashboard redraws at most 4 times a second, and keys wait at most 100 ms more.
        Application.MaximumIterationsPerSecond = MaxIterationsPerSecond;
        using IApplication app = Application.Create();
        app.Init();
        if (terminal.SixteenColors && app.Driver is not null) app.Driver.Force16Colors = true;
        if (terminal.NoColor) ApplyMonochrome();
        using var window = new DashboardWindow { ReadOnly = options.ReadOnly, Title = options.Title };
        using var session = new DashboardSession(app, window, control, DashboardState.Initial(new UiFlags(ShowJaccard: options.DebugJaccard)),
                                                canDetach: options.CanDetach);
        using var stopPump = new CancellationTokenSource();
        Task pump = session.PumpAsync(events, stopPump.Token);
        using var onDetach = detach.Register(() => app.Invoke(() => app.RequestStop()));
        try
        {
            app.Invoke(session.DrawNow);
            app.Run(window);
        }
        finally
        {
            stopPump.Cancel();
            try { pump.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
            // Whoever keeps running after the UI goes must not pile events up in a queue nobody reads.
            _ = Task.Run(async () => { try { await foreach (var _ in events.ReadAllAsync()) { } } catch (ChannelClosedException) { } });
        }
        return session.DetachRequested || detach.IsCancellationRequested && !session.ExitRequested ? DashboardExit.Detached : DashboardExit.Quit;
    }

    /// <summary>NO_COLOR (no-color.org): every role drawn in the terminal's default colours.</summary>
    private static void ApplyMonochrome()
    {
        var plain = new Scheme(new Terminal.Gui.Drawing.Attribute(Color.None, Color.None));
        foreach (var name in SchemeManager.GetSchemeNames().ToList())
            SchemeManager.AddScheme(name, plain);
    }
}
