using System.Threading.Channels;
using DeltaTui.Training.Control;
using DeltaTui.Training.Events;

namespace DeltaTui.Dashboard;

/// <summary>
/// The dashboard in the foreground while training runs in the background. Returns when the user
/// leaves or the terminal hangs up; in the latter case <paramref name="onDetached"/> runs first so the
/// caller can move console output to the run folder before anything writes to the dead terminal.
/// </summary>
public static class DashboardHost
{
    public static DashboardExit RunAlongside(ChannelReader<RunEvent> events, ITrainingControl control, DashboardOptions options,
                                             TerminalCapabilities terminal, Action onDetached)
    {
        var hangup = HangupSignal.Token;
        DashboardExit exit;
        try
        {
            exit = DashboardRunner.Run(events, control, options, terminal, hangup);
        }
        catch (Exception) when (hangup.IsCancellationRequested)
        {
            // Restoring a terminal that is gone can fail; the run must not.
            exit = DashboardExit.Detached;
        }
        if (exit == DashboardExit.Detached) onDetached();
        return exit;
    }
}
