using System.Runtime.InteropServices;

namespace DeltaTui.Dashboard;

/// <summary>
/// SIGHUP (the SSH connection dropped): instead of dying, the process lets the UI detach and the run
/// go on headless. Registered once for the life of the process, so a second hang-up is harmless too.
/// </summary>
public static class HangupSignal
{
    private static readonly CancellationTokenSource Received = new();
    private static PosixSignalRegistration? _registration;
    private static readonly object Gate = new();

    public static CancellationToken Token
    {
        get
        {
            lock (Gate)
            {
                _registration ??= PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
                {
                    context.Cancel = true;
                    Received.Cancel();
                });
            }
            return Received.Token;
        }
    }
}
