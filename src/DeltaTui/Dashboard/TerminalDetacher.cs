using System.Runtime.InteropServices;

namespace DeltaTui.Dashboard;

/// <summary>
/// After a hang-up the terminal's file descriptors return errors or end-of-file on every call, and a
/// UI that keeps reading them spins. Pointing stdin at a pipe nobody writes (reads block quietly) and
/// stdout/stderr at /dev/null lets the UI loop wind down without burning the CPU the run needs.
/// </summary>
internal static partial class TerminalDetacher
{
    private static int _detached;
    private static int _keepWriteEnd = -1;

    public static void Detach()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (Interlocked.Exchange(ref _detached, 1) != 0) return;
        Span<int> fds = stackalloc int[2];
        if (pipe(ref MemoryMarshal.GetReference(fds)) == 0)
        {
            _keepWriteEnd = fds[1]; // held open for the life of the process, so reads never see end-of-file
            dup2(fds[0], 0);
        }
        int devNull = open("/dev/null", 1 /* O_WRONLY */);
        if (devNull >= 0)
        {
            dup2(devNull, 1);
            dup2(devNull, 2);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe(ref int fds);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup2(int oldFd, int newFd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
}
