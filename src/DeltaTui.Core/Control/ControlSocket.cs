using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace DeltaTui.Core.Control;

/// <summary>The control socket cannot be made safe or cannot be created; the message says which path and why.</summary>
public sealed class ControlSocketException(string message) : Exception(message);

/// <summary>The run's control folder: owned by the user, mode 0700, never a symbolic link.</summary>
public static class ControlFolderSecurity
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <returns>The control folder's path.</returns>
    public static string Ensure(string runDirectory)
    {
        if (OperatingSystem.IsWindows()) throw new ControlSocketException("the control socket needs Linux or macOS");
        var folder = ControlProtocol.ControlFolder(runDirectory);
        try
        {
            Directory.CreateDirectory(runDirectory);
            var info = new DirectoryInfo(folder);
            if (info.Exists && info.LinkTarget is not null)
                throw new ControlSocketException($"{folder} is a symbolic link; remove it (the control folder must be a plain folder of the run)");
            if (!info.Exists) Directory.CreateDirectory(folder, FolderMode);
            if (File.GetUnixFileMode(folder) != FolderMode) File.SetUnixFileMode(folder, FolderMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ControlSocketException($"cannot make {folder} private (mode 0700): {e.Message}");
        }
        return folder;
    }
}

/// <summary>Who is at the other end of a Unix socket (SO_PEERCRED on Linux).</summary>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid);

public static partial class PeerCredentialCheck
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>This process's effective uid: the only uid let in.</summary>
    public static uint CurrentUid => OperatingSystem.IsWindows() ? 0 : geteuid();

    /// <summary>The peer's credentials; null where the platform has no SO_PEERCRED (the 0700 folder is then the only guard).</summary>
    public static PeerCredentials? Read(Socket socket)
    {
        if (!OperatingSystem.IsLinux()) return null;
        Span<byte> ucred = stackalloc byte[12];
        var n = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (n < 12) throw new SocketException((int)SocketError.OperationNotSupported);
        return new PeerCredentials(MemoryMarshal.Read<int>(ucred), MemoryMarshal.Read<uint>(ucred[4..]), MemoryMarshal.Read<uint>(ucred[8..]));
    }

    /// <summary>Null when the peer may connect; otherwise why not, for the refused client and the log.</summary>
    public static string? Refusal(PeerCredentials? peer, uint ownerUid, bool credentialsRequired)
    {
        if (peer is null)
            return credentialsRequired ? "refused: the peer's credentials could not be read (SO_PEERCRED)" : null;
        if (peer.Value.Uid == ownerUid) return null;
        return $"refused: this run belongs to uid {ownerUid}; the connecting process (pid {peer.Value.Pid}) runs as uid {peer.Value.Uid}. "
             + "Only the user who started the run can attach to it or steer it.";
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();
}

/// <summary>
/// The run's Unix domain socket (runs/NAME/control/control.sock, mode 0600 in a 0700 folder): accepts connections from
/// the same uid only and hands them to a <see cref="ControlServer"/>. A socket left by a dead run is replaced; the
/// caller must hold the run's <see cref="RunLock"/>, so no live train can own it.
/// </summary>
public sealed class ControlEndpoint : IDisposable
{
    private readonly Socket _listener;
    private readonly ControlServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly uint _ownerUid;

    private ControlEndpoint(Socket listener, string path, ControlServer server, uint ownerUid)
    {
        _listener = listener;
        SocketPath = path;
        _server = server;
        _ownerUid = ownerUid;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public string SocketPath { get; }

    /// <summary>Connections refused for their credentials: the peer and the message it was sent.</summary>
    public event Action<PeerCredentials?, string>? Refused;

    public static ControlEndpoint Open(string runDirectory, RunLock heldLock, ControlServer server)
    {
        ArgumentNullException.ThrowIfNull(heldLock);
        if (OperatingSystem.IsWindows()) throw new ControlSocketException("the control socket needs Linux or macOS");
        var folder = ControlFolderSecurity.Ensure(runDirectory);
        var path = Path.Combine(folder, ControlProtocol.SocketFileName);
        if (Encoding.UTF8.GetByteCount(path) > ControlProtocol.MaxSocketPathBytes)
            throw new ControlSocketException($"the socket path {path} is longer than the {ControlProtocol.MaxSocketPathBytes} bytes a Unix socket allows; use a shorter --run.output_root or run name");
        RemoveStale(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, ControlFolderSecurity.SocketMode);
            listener.Listen(16);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new ControlSocketException($"cannot listen on {path}: {e.Message}");
        }
        return new ControlEndpoint(listener, path, server, PeerCredentialCheck.CurrentUid);
    }

    /// <summary>A socket file nobody listens on (its run died) is removed; one that answers is a live server: refused.</summary>
    private static void RemoveStale(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) return;
        if (Directory.Exists(path)) throw new ControlSocketException($"{path} is a folder; remove it");
        if (CanConnect(path)) throw new ControlSocketException($"another process is listening on {path}; is a second train of this run running?");
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ControlSocketException($"cannot remove the stale socket {path}: {e.Message}");
        }
    }

    /// <summary>True when something accepts connections at <paramref name="path"/>.</summary>
    public static bool CanConnect(string path)
    {
        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (Exception e) when (e is SocketException or IOException or ArgumentException) { return false; }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        PeerCredentials? peer;
        string? refusal;
        try
        {
            peer = PeerCredentialCheck.Read(client);
            refusal = PeerCredentialCheck.Refusal(peer, _ownerUid, credentialsRequired: OperatingSystem.IsLinux());
        }
        catch (SocketException e)
        {
            peer = null;
            refusal = $"refused: the peer's credentials could not be read ({e.Message})";
        }
        if (refusal is not null)
        {
            try
            {
                client.Send(Encoding.UTF8.GetBytes(ControlProtocol.FormatError(refusal) + "\n"), SocketFlags.None);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException) { }
            finally { client.Dispose(); }
            Refused?.Invoke(peer, refusal);
            return;
        }
        var description = peer is { } p ? $"pid {p.Pid}" : "peer";
        await _server.ServeAsync(new NetworkStream(client, ownsSocket: true), description).ConfigureAwait(false);
    }

    /// <summary>Stops accepting and removes the socket file (the server's open connections are the server's to close).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { _accepting.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        try { File.Delete(SocketPath); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _stop.Dispose();
    }
}
