using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;

namespace DeltaTui.Dashboard;

/// <summary>
/// The dashboard in the foreground while training runs in the background. Returns when the user
/// leaves or the terminal hangs up. The UI runs on its own thread so that a hang-up never depends on
/// the UI loop noticing: the caller gets control back at once, <paramref name="onDetached"/> moves
/// console output to the run folder, and the run goes on headless.
/// </summary>
public static class DashboardHost
{
    private static readonly TimeSpan UiWindDown = TimeSpan.FromSeconds(5);

    public static DashboardExit RunAlongside(ChannelReader<RunEvent> events, ITrainingControl control, DashboardOptions options,
                                             TerminalCapabilities terminal, Action onDetached)
    {
        var hangup = HangupSignal.Token;
        var exit = DashboardExit.Quit;
        ExceptionDispatchInfo? failure = null;
        using var uiDone = new ManualResetEventSlim();
        var ui = new Thread(() =>
        {
            try { exit = DashboardRunner.Run(events, control, options, terminal, hangup); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { uiDone.Set(); }
        })
        { IsBackground = true, Name = "deltatui-ui" };
        ui.Start();

        WaitHandle.WaitAny([uiDone.WaitHandle, hangup.WaitHandle]);
        if (hangup.IsCancellationRequested)
        {
            TerminalDetacher.Detach();
            onDetached();
            uiDone.Wait(UiWindDown); // best effort: a UI stuck on a dead terminal is abandoned (background thread)
            return DashboardExit.Detached;
        }
        failure?.Throw();
        return exit;
    }
}
