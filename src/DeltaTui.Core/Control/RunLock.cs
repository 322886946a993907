using System.Globalization;

namespace DeltaTui.Core.Control;

/// <summary>
/// One train per run folder: an exclusive lock on control/train.lock held for the life of the process (an advisory
/// flock, which the kernel releases when the process dies, however it dies) and its pid in control/train.pid.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidFile;

    private RunLock(FileStream lockFile, string pidFile)
    {
        _lock = lockFile;
        _pidFile = pidFile;
    }

    public string ControlFolder => Path.GetDirectoryName(_pidFile)!;

    /// <summary>Takes the run's lock; false with the holder's pid (when known) if a live process holds it.</summary>
    /// <exception cref="ControlSocketException">The control folder cannot be made private to its owner.</exception>
    public static bool TryAcquire(string runDirectory, out RunLock? runLock, out int? holderPid)
    {
        if (OperatingSystem.IsWindows()) throw new ControlSocketException("the run lock needs Linux or macOS");
        var folder = ControlFolderSecurity.Ensure(runDirectory);
        var lockPath = Path.Combine(folder, ControlProtocol.LockFileName);
        var pidPath = Path.Combine(folder, ControlProtocol.PidFileName);
        runLock = null;
        holderPid = null;
        FileStream stream;
        try
        {
            // On Unix, FileShare.None takes flock(LOCK_EX | LOCK_NB) on the file: a second holder fails at once.
            stream = new FileStream(lockPath, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            holderPid = ReadPid(runDirectory);
            return false;
        }
        try { IO.AtomicFile.WriteAllText(pidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new ControlSocketException($"cannot write {pidPath}: {e.Message}");
        }
        runLock = new RunLock(stream, pidPath);
        return true;
    }

    /// <summary>True while a live process holds the run's lock (a train of this run is running).</summary>
    public static bool IsHeld(string runDirectory)
    {
        var lockPath = Path.Combine(ControlProtocol.ControlFolder(runDirectory), ControlProtocol.LockFileName);
        if (!File.Exists(lockPath)) return false;
        try
        {
            // A shared lock (FileShare.Read) cannot be had while the train holds its exclusive one.
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException) { return File.Exists(lockPath); }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>The pid the last train of this run wrote (it may be gone: see <see cref="IsHeld"/>).</summary>
    public static int? ReadPid(string runDirectory)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(ControlProtocol.ControlFolder(runDirectory), ControlProtocol.PidFileName)).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public void Dispose()
    {
        try { File.Delete(_pidFile); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _lock.Dispose();
    }
}
