using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using DeltaTui.Core.Events;

namespace DeltaTui.Core.Control;

/// <summary>What the server said first: protocol version, run, pid, where the run is and how many dashboards watch it.</summary>
public sealed record ControlHello(int Version, string Run, int Pid, string State, int Step, int TotalSteps, int Clients);

/// <summary>The answer to one command.</summary>
public sealed record ControlReply(string Command, bool Ok, string? Error, JsonObject Raw);

/// <summary>The run's socket cannot be reached, or what answered is not a DeltaTui control server.</summary>
public sealed class ControlConnectException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A client of the control protocol (the socket, or an in-process stream): <see cref="Events"/> is the run's event
/// stream (after <see cref="Subscribe"/>), <see cref="Control"/> sends commands. A refused command and a lost
/// connection appear in the stream as log messages, so a dashboard shows them where it shows everything else.
/// </summary>
public sealed class ControlClient : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    private readonly Stream _stream;
    private readonly Channel<RunEvent> _events = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<string> _outgoing = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<ControlReply>> _pending = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<ControlHello> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;
    private readonly Task _writing;
    private long _nextId;
    private volatile bool _goodbye;
    private volatile bool _disposed;

    private ControlClient(Stream stream)
    {
        _stream = stream;
        Control = new SocketTrainingControl(this);
        _reading = Task.Run(ReadLoopAsync);
        _writing = Task.Run(WriteLoopAsync);
    }

    public ChannelReader<RunEvent> Events => _events.Reader;

    public ITrainingControl Control { get; }

    public ControlHello Hello => _hello.Task.Result;

    /// <summary>Completes when the catch-up is over and what follows is live.</summary>
    public Task CaughtUp => _caughtUp.Task;

    /// <summary>Completes when the connection ended (the run ended, the server dropped us, or we were disposed).</summary>
    public Task Closed => _reading;

    /// <summary>Why the connection ended, once it has (null while open, or after a goodbye).</summary>
    public string? LostReason { get; private set; }

    /// <summary>Connects to a run's socket and reads its hello.</summary>
    public static async Task<ControlClient> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var why = e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "nothing listens there (the run has ended, or its process died)",
                SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => e.Message,
                SocketError.AccessDenied => "permission denied (the run belongs to another user)",
                _ => e.Message,
            };
            if (!File.Exists(socketPath)) why = "no such socket (the run is not running, or predates the control socket)";
            throw new ControlConnectException($"cannot connect to {socketPath}: {why}", e);
        }
        return await OverAsync(new NetworkStream(socket, ownsSocket: true), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A client over an already connected stream (an in-process connection to a <see cref="ControlServer"/>).</summary>
    public static async Task<ControlClient> OverAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var client = new ControlClient(stream);
        try
        {
            await client._hello.Task.WaitAsync(HelloTimeout, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (Exception e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            if (e is ControlConnectException) throw;
            throw new ControlConnectException(e is TimeoutException ? "the server sent no hello within 10 s" : e.Message, e);
        }
    }

    /// <summary>Starts the event stream; with <paramref name="catchUp"/>, the run so far comes first.</summary>
    public Task<ControlReply> Subscribe(bool catchUp = true) => SendAsync(new ControlRequest(null, null, ControlCommands.Subscribe, null, null, catchUp));

    /// <summary>Sends one command; the task completes with its reply (or fails when the connection ends first).</summary>
    public Task<ControlReply> SendAsync(ControlRequest request)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<ControlReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        if (!_outgoing.Writer.TryWrite(ControlProtocol.FormatRequest(request with { Id = id })))
        {
            _pending.TryRemove(id, out _);
            reply.TrySetException(new ControlConnectException(LostReason ?? "the connection is closed"));
        }
        return reply.Task;
    }

    /// <summary>Adds an event of this side's own (a note for the log pane) to <see cref="Events"/>.</summary>
    public void AddLocalEvent(RunEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Fire and forget for <see cref="ITrainingControl"/>: a refusal shows up in <see cref="Events"/>.</summary>
    internal void Post(ControlRequest request) => _ = SendAsync(request).ContinueWith(t =>
    {
        var message = t.IsCompletedSuccessfully
            ? t.Result.Ok ? null : $"{request.Command}: refused by the run: {t.Result.Error}"
            : $"{request.Command}: not sent ({t.Exception?.InnerException?.Message ?? "the connection is closed"})";
        if (message is not null) _events.Writer.TryWrite(new LogMessage(LogLevel.Warning, message));
    }, TaskScheduler.Default);

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var line in _outgoing.Reader.ReadAllAsync(_cts.Token).ConfigureAwait(false))
            {
                await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), _cts.Token).ConfigureAwait(false);
                await _stream.FlushAsync(_cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException) { }
    }

    private async Task ReadLoopAsync()
    {
        string? lost = null;
        try
        {
            using var reader = new StreamReader(_stream, new UTF8Encoding(false, false), false, 1 << 16, leaveOpen: true);
            string? line;
            while ((line = await reader.ReadLineAsync(_cts.Token).ConfigureAwait(false)) is not null)
                Handle(line);
            lost = "the run closed the connection";
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            lost = $"the connection broke ({e.Message})";
        }
        finally
        {
            if (!_goodbye && !_disposed)
            {
                LostReason = lost;
                _events.Writer.TryWrite(new LogMessage(LogLevel.Error, $"lost the connection to the run: {lost}"));
            }
            _hello.TrySetException(new ControlConnectException(LostReason ?? "the server closed the connection before its hello"));
            _caughtUp.TrySetResult();
            _outgoing.Writer.TryComplete();
            foreach (var (_, pending) in _pending) pending.TrySetException(new ControlConnectException(LostReason ?? "the connection closed"));
            _events.Writer.TryComplete();
        }
    }

    private void Handle(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        JsonObject? obj;
        try { obj = JsonNode.Parse(line) as JsonObject; }
        catch (JsonException) { return; }
        if (obj?["type"] is not JsonValue typeValue || typeValue.GetValueKind() != JsonValueKind.String) return;
        var type = typeValue.GetValue<string>();
        if (!MessageTypes.IsProtocol(type))
        {
            if (RunEventJson.TryDeserialize(line, out var e, out _)) _events.Writer.TryWrite(e!);
            return;
        }
        switch (type)
        {
            case MessageTypes.Hello:
                _hello.TrySetResult(new ControlHello(
                    Int(obj, "v"), Str(obj, "run"), Int(obj, "pid"), Str(obj, "state"), Int(obj, "step"), Int(obj, "total_steps"), Int(obj, "clients")));
                break;
            case MessageTypes.CaughtUp:
                _caughtUp.TrySetResult();
                break;
            case MessageTypes.Reply:
                if (obj["id"] is JsonValue id && id.TryGetValue<long>(out var n) && _pending.TryRemove(n, out var pending))
                    pending.TrySetResult(new ControlReply(Str(obj, "command"), obj["ok"] is JsonValue ok && ok.GetValueKind() == JsonValueKind.True, obj["error"]?.ToString(), obj));
                break;
            case MessageTypes.Error:
                var message = obj["error"]?.ToString() ?? "error";
                if (!_hello.Task.IsCompleted) _hello.TrySetException(new ControlConnectException(message));
                else if (obj["id"] is JsonValue eid && eid.TryGetValue<long>(out var en) && _pending.TryRemove(en, out var failed))
                    failed.TrySetResult(new ControlReply("", false, message, obj));
                else _events.Writer.TryWrite(new LogMessage(LogLevel.Warning, $"control: {message}"));
                break;
            case MessageTypes.Goodbye:
                _goodbye = true;
                break;
        }
    }

    private static int Int(JsonObject obj, string key) => obj[key] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;

    private static string Str(JsonObject obj, string key) => obj[key]?.ToString() ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _outgoing.Writer.TryComplete();
        try { await _writing.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false); } catch (Exception) { }
        _cts.Cancel();
        try { _stream.Dispose(); } catch (Exception) { }
        try { await _reading.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); } catch (Exception) { }
        _cts.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>
/// <see cref="ITrainingControl"/> over the control protocol: each call sends one command and returns at once; the run
/// acts on it between steps, exactly as on a key of its own dashboard.
/// </summary>
public sealed class SocketTrainingControl : ITrainingControl
{
    private readonly ControlClient _client;

    internal SocketTrainingControl(ControlClient client) => _client = client;

    public void RequestSaveMasks() => Send(ControlCommands.SaveMasks);

    public void Pause() => Send(ControlCommands.Pause);

    public void Resume() => Send(ControlCommands.Resume);

    public void RequestStop() => Send(ControlCommands.Stop);

    public void SetPerTensorIou(bool enabled) => _client.Post(new ControlRequest(null, null, ControlCommands.SetPerTensorIou, enabled, null, null));

    public void SetMaskInterval(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        _client.Post(new ControlRequest(null, null, ControlCommands.SetMaskInterval, null, steps, null));
    }

    private void Send(string command) => _client.Post(new ControlRequest(null, null, command, null, null, null));
}
