using Xunit;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;

namespace DeltaTui.Training.Tests.Control;

/// <summary>Records every request, as the trainer's queue would receive them.</summary>
public sealed class RecordingControl : ITrainingControl
{
    public ConcurrentQueue<string> Calls { get; } = new();
    public void RequestSaveMasks() => Calls.Enqueue("save_masks");
    public void Pause() => Calls.Enqueue("pause");
    public void Resume() => Calls.Enqueue("resume");
    public void RequestStop() => Calls.Enqueue("stop");
    public void SetPerTensorIou(bool enabled) => Calls.Enqueue($"per_tensor_iou={enabled}");
    public void SetMaskInterval(int steps) => Calls.Enqueue($"mask_interval={steps}");
}

/// <summary>A run folder with a live control socket: the hub, the server, the lock and the endpoint.</summary>
public sealed class ControlHarness : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public ControlHarness(Func<ControlServerOptions, ControlServerOptions>? configure = null)
    {
        // Short paths: a Unix socket path holds 107 bytes.
        Root = Directory.CreateTempSubdirectory("ctl-").FullName;
        RunDirectory = Path.Combine(Root, "run");
        Directory.CreateDirectory(RunDirectory);
        MetricsPath = Path.Combine(RunDirectory, "metrics.jsonl");
        var options = new ControlServerOptions("run", MetricsPath);
        Server = new ControlServer(Hub, Control, configure?.Invoke(options) ?? options);
        Assert.True(RunLock.TryAcquire(RunDirectory, out var runLock, out _));
        Lock = runLock!;
        Endpoint = ControlEndpoint.Open(RunDirectory, Lock, Server);
    }

    public string Root { get; }
    public string RunDirectory { get; }
    public string MetricsPath { get; }
    public EventHub Hub { get; } = new();
    public RecordingControl Control { get; } = new();
    public ControlServer Server { get; }
    public RunLock Lock { get; }
    public ControlEndpoint Endpoint { get; }
    public string SocketPath => Endpoint.SocketPath;

    public Task<ControlClient> ConnectAsync() => ControlClient.ConnectAsync(SocketPath, TestContext.Current.CancellationToken);

    public Socket RawConnect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    public void AppendToMetricsFile(params RunEvent[] events) =>
        File.AppendAllText(MetricsPath, string.Concat(events.Select(e => RunEventJson.Serialize(e) + "\n")));

    /// <summary>Reads events until one matches (the test's guard against a hang is the token, never a delay).</summary>
    public static async Task<List<RunEvent>> ReadUntil(ChannelReader<RunEvent> events, Func<RunEvent, bool> last)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Patience);
        var seen = new List<RunEvent>();
        await foreach (var e in events.ReadAllAsync(cts.Token))
        {
            seen.Add(e);
            if (last(e)) return seen;
        }
        return seen;
    }

    public static async Task<string?> ReadLine(StreamReader reader)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Patience);
        return await reader.ReadLineAsync(cts.Token);
    }

    public static StreamReader Reader(Socket socket) => new(new NetworkStream(socket, ownsSocket: false), Encoding.UTF8);

    public static void Send(Socket socket, string text) => socket.Send(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// A socket file nobody listens on, as a killed train leaves it (a .NET socket unlinks its file when disposed, so a
    /// separate process binds it and exits). Skips the test where /usr/bin/python3 is missing.
    /// </summary>
    public static void LeaveStaleSocket(string path)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) Assert.Skip("needs /usr/bin/python3 to leave a stale socket behind");
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python)
        {
            ArgumentList = { "-c", "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen(1)", path },
        })!;
        p.WaitForExit();
        Assert.True(File.Exists(path));
    }

    public static StepCompleted Step(int step, double loss = 0.5) =>
        new(step, 100, new Dictionary<string, double> { [DpoMetricNames.Loss] = loss });

    public void Dispose()
    {
        Hub.Complete();
        Server.Close(TimeSpan.FromSeconds(2));
        Endpoint.Dispose();
        Lock.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
