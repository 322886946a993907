using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using DeltaTui.Core.Events;

namespace DeltaTui.Core.Control;

/// <param name="RunName">Named in the hello.</param>
/// <param name="MetricsPath">The run's metrics.jsonl, read for the catch-up of a late subscriber (null: live events only).</param>
/// <param name="QueueLineLimit">Lines a client may have waiting; one more drops it.</param>
/// <param name="QueueByteLimit">Bytes a client may have waiting; more drops it.</param>
/// <param name="RecentLines">Events kept in memory to bridge the moment between the file's end and the live stream.</param>
public sealed record ControlServerOptions(
    string RunName, string? MetricsPath, int QueueLineLimit = 8192, long QueueByteLimit = 16L << 20,
    int RecentLines = 4096, int MaxConnections = 32, int MaxBadLines = 64);

/// <summary>
/// The control protocol over any number of connections (Unix socket peers, or an in-process pair): maps commands onto
/// <see cref="ITrainingControl"/> (whose requests are queued and acted on between steps) and streams the run's events
/// as metrics.jsonl lines, each serialized once. Publishing never waits for a client: every connection has a bounded
/// queue, and a client that falls behind (stuck, or not reading) is dropped, never waited for.
/// </summary>
public sealed class ControlServer : IDisposable
{
    private readonly ChannelReader<RunEvent> _events;
    private readonly ITrainingControl _control;
    private readonly object _gate = new();
    private readonly Queue<byte[]> _recent = new();
    private readonly List<Connection> _connections = [];
    private readonly Task _pump;
    private string _state = "starting";
    private int _step;
    private int _totalSteps;
    private string? _ended;
    private bool _closing;
    private long _maxQueuedBytes;
    private int _maxQueuedLines;

    public ControlServer(EventHub hub, ITrainingControl control, ControlServerOptions options)
    {
        Options = options;
        _control = control;
        _events = hub.Subscribe();
        _pump = Task.Run(PumpAsync);
    }

    public ControlServerOptions Options { get; }

    /// <summary>A client was dropped: its description and why (fell behind, killed, bad input).</summary>
    public event Action<string, string>? ClientDropped;

    /// <summary>Connections that asked for the event stream (the dashboards on this run).</summary>
    public int Subscribers { get { lock (_gate) return _connections.Count(c => c.Subscribed); } }

    public int Connections { get { lock (_gate) return _connections.Count; } }

    /// <summary>The most bytes any one client ever had waiting (bounded by <see cref="ControlServerOptions.QueueByteLimit"/>).</summary>
    public long MaxQueuedBytes => Interlocked.Read(ref _maxQueuedBytes);

    /// <summary>The most lines any one client ever had waiting (bounded by <see cref="ControlServerOptions.QueueLineLimit"/>).</summary>
    public int MaxQueuedLines => Volatile.Read(ref _maxQueuedLines);

    /// <summary>Completes once the hub completed and every event was handed to the clients' queues.</summary>
    public Task Completion => _pump;

    /// <summary>Serves one connection until either side ends it. Never throws.</summary>
    public Task ServeAsync(Stream stream, string peer)
    {
        var connection = new Connection(this, stream, peer);
        lock (_gate)
        {
            if (_connections.Count >= Options.MaxConnections)
            {
                connection.Enqueue(ControlProtocol.FormatError($"refused: {Options.MaxConnections} connections already open"));
                connection.Finish();
                return connection.RunAsync(readCommands: false);
            }
            _connections.Add(connection);
            connection.Enqueue(HelloLine());
            if (_closing || _ended is not null && _pump.IsCompleted)
            {
                connection.Enqueue(ControlProtocol.FormatGoodbye(_ended is null ? "the server is closing" : $"the run has ended ({_ended})"));
                connection.Finish();
            }
        }
        return connection.RunAsync(readCommands: true);
    }

    private string HelloLine()
    {
        var hello = new JsonObject
        {
            ["type"] = MessageTypes.Hello, ["v"] = ControlProtocol.Version, ["run"] = Options.RunName, ["pid"] = Environment.ProcessId,
            ["state"] = _ended ?? _state, ["step"] = _step, ["total_steps"] = _totalSteps,
            ["clients"] = _connections.Count(c => c.Subscribed),
            ["commands"] = new JsonArray([.. ControlCommands.All.Select(c => (JsonNode)c)]),
            ["max_line_bytes"] = ControlProtocol.MaxCommandLineBytes,
        };
        return hello.ToJsonString(ControlProtocol.Json);
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var e in _events.ReadAllAsync().ConfigureAwait(false))
            {
                byte[] line;
                try { line = Encoding.UTF8.GetBytes(RunEventJson.Serialize(e)); }
                catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException) { continue; }
                lock (_gate)
                {
                    Track(e);
                    _recent.Enqueue(line);
                    while (_recent.Count > Options.RecentLines) _recent.Dequeue();
                    foreach (var c in _connections)
                        if (c.Subscribed) c.TryEnqueue(new Outgoing(line, IsEvent: true, null));
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _ended ??= "the process is ending";
                foreach (var c in _connections)
                {
                    c.Enqueue(ControlProtocol.FormatGoodbye($"the run has ended ({_ended})"));
                    c.Finish();
                }
            }
        }
    }

    private void Track(RunEvent e)
    {
        switch (e)
        {
            case RunStarted s: _totalSteps = s.TotalSteps; _ended = null; break;
            case RunStateChanged s: _state = s.State.ToString().ToLowerInvariant(); break;
            case StepCompleted s: _step = s.Step; _totalSteps = s.TotalSteps; break;
            case RunFinished f: _ended = f.Stopped ? "stopped" : "finished"; _step = f.Step; break;
            case RunFailed: _ended = "failed"; break;
        }
    }

    private string? Execute(ControlRequest request, Connection connection, out JsonObject? extra)
    {
        extra = null;
        string? ended;
        lock (_gate) ended = _ended;
        if (ControlCommands.Steers(request.Command) && ended is not null) return $"the run has ended ({ended}); nothing to steer";
        try
        {
            switch (request.Command)
            {
                case ControlCommands.SaveMasks: _control.RequestSaveMasks(); break;
                case ControlCommands.Pause: _control.Pause(); break;
                case ControlCommands.Resume: _control.Resume(); break;
                case ControlCommands.Stop: _control.RequestStop(); break;
                case ControlCommands.SetPerTensorIou: _control.SetPerTensorIou(request.Enabled!.Value); break;
                case ControlCommands.SetMaskInterval: _control.SetMaskInterval(request.Steps!.Value); break;
                case ControlCommands.Status:
                    lock (_gate)
                        extra = new JsonObject
                        {
                            ["state"] = _ended ?? _state, ["step"] = _step, ["total_steps"] = _totalSteps,
                            ["clients"] = _connections.Count(c => c.Subscribed),
                        };
                    break;
                case ControlCommands.Subscribe:
                    if (connection.Subscribed) return "already subscribed";
                    break;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ObjectDisposedException)
        {
            return $"{request.Command} failed: {e.Message}";
        }
        return null;
    }

    /// <summary>Called with the subscribe reply queued: from here on the connection gets the catch-up, then every event.</summary>
    private void Subscribe(Connection connection, bool catchUp)
    {
        lock (_gate)
        {
            connection.Enqueue(new Outgoing(null, false, catchUp ? new CatchUp([.. _recent], Options.MetricsPath) : new CatchUp([], null)));
            connection.Subscribed = true;
        }
    }

    private void Remove(Connection connection, string? dropReason)
    {
        lock (_gate) _connections.Remove(connection);
        if (dropReason is not null) ClientDropped?.Invoke(connection.Peer, dropReason);
    }

    private void NoteQueue(long bytes, int lines)
    {
        long seen;
        while (bytes > (seen = Interlocked.Read(ref _maxQueuedBytes)) && Interlocked.CompareExchange(ref _maxQueuedBytes, bytes, seen) != seen) { }
        int seenLines;
        while (lines > (seenLines = Volatile.Read(ref _maxQueuedLines)) && Interlocked.CompareExchange(ref _maxQueuedLines, lines, seenLines) != seenLines) { }
    }

    /// <summary>Says goodbye to every client, lets them take what is queued for up to <paramref name="flush"/>, then closes.</summary>
    public void Close(TimeSpan flush)
    {
        Connection[] open;
        lock (_gate)
        {
            _closing = true;
            open = [.. _connections];
            foreach (var c in open)
            {
                c.Enqueue(ControlProtocol.FormatGoodbye(_ended is null ? "the server is closing" : $"the run has ended ({_ended})"));
                c.Finish();
            }
        }
        Task.WaitAll(open.Select(c => c.Done).ToArray(), flush);
        foreach (var c in open) c.Drop("the server closed");
    }

    public void Dispose() => Close(TimeSpan.FromSeconds(2));

    private sealed record CatchUp(byte[][] Recent, string? MetricsPath);

    private readonly record struct Outgoing(byte[]? Line, bool IsEvent, CatchUp? CatchUp)
    {
        public int Bytes => Line?.Length + 1 ?? 0;
    }

    /// <summary>FNV-1a: which catch-up lines the live stream must not repeat.</summary>
    private static ulong Hash(ReadOnlySpan<byte> line)
    {
        ulong h = 14695981039346656037UL;
        foreach (var b in line) { h ^= b; h *= 1099511628211UL; }
        return h;
    }

    private sealed class Connection
    {
        private const int DedupeLines = 8192;
        private static readonly byte[] Newline = "\n"u8.ToArray();
        private static readonly UTF8Encoding StrictUtf8 = new(false, true);
        private readonly ControlServer _server;
        private readonly Stream _stream;
        private readonly Channel<Outgoing> _queue;
        private readonly CancellationTokenSource _cts = new();
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _queuedBytes;
        private string? _dropReason;
        private HashSet<ulong>? _dedupe;
        private int _dedupeLeft;
        private int _badLines;

        public Connection(ControlServer server, Stream stream, string peer)
        {
            _server = server;
            _stream = stream;
            Peer = peer;
            _queue = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(server.Options.QueueLineLimit)
            {
                FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = false,
            });
        }

        public string Peer { get; }

        public volatile bool Subscribed;

        public Task Done => _done.Task;

        public void Enqueue(string line) => TryEnqueue(new Outgoing(Encoding.UTF8.GetBytes(line), false, null));

        public void Enqueue(Outgoing item) => TryEnqueue(item);

        /// <summary>Never waits: a full queue drops the client.</summary>
        public bool TryEnqueue(Outgoing item)
        {
            if (_dropReason is not null) return false;
            var bytes = Interlocked.Add(ref _queuedBytes, item.Bytes);
            if (bytes > _server.Options.QueueByteLimit || !_queue.Writer.TryWrite(item))
            {
                if (!_queue.Reader.Completion.IsCompleted && _dropReason is null)
                    Drop($"fell behind: more than {_server.Options.QueueLineLimit} lines or {_server.Options.QueueByteLimit} bytes waiting");
                return false;
            }
            _server.NoteQueue(bytes, _queue.Reader.Count);
            return true;
        }

        /// <summary>No more lines: the writer sends what is queued, then closes.</summary>
        public void Finish() => _queue.Writer.TryComplete();

        public void Drop(string reason)
        {
            if (Interlocked.CompareExchange(ref _dropReason, reason, null) is not null) return;
            _queue.Writer.TryComplete();
            try { _cts.Cancel(); } catch (ObjectDisposedException) { }
            try { _stream.Dispose(); } catch (Exception) { /* already broken */ }
        }

        public async Task RunAsync(bool readCommands)
        {
            try
            {
                var writing = WriteLoopAsync();
                if (readCommands) await ReadLoopAsync().ConfigureAwait(false);
                await writing.ConfigureAwait(false);
            }
            catch (Exception e) { Drop($"connection failed: {e.Message}"); }
            finally
            {
                try { _stream.Dispose(); } catch (Exception) { }
                _server.Remove(this, _dropReason is "the server closed" ? null : _dropReason);
                _done.TrySetResult();
            }
        }

        private async Task ReadLoopAsync()
        {
            var buffer = new byte[8192];
            var pending = new MemoryStream();
            var token = _cts.Token;
            try
            {
                while (true)
                {
                    var n = await _stream.ReadAsync(buffer, token).ConfigureAwait(false);
                    if (n == 0) break;
                    var start = 0;
                    for (var i = 0; i < n; i++)
                    {
                        if (buffer[i] != (byte)'\n') continue;
                        pending.Write(buffer, start, i - start);
                        start = i + 1;
                        if (!CheckLength(pending)) return;
                        Handle(pending.GetBuffer().AsSpan(0, (int)pending.Length));
                        pending.SetLength(0);
                        if (_badLines > _server.Options.MaxBadLines)
                        {
                            Enqueue(ControlProtocol.FormatGoodbye($"more than {_server.Options.MaxBadLines} bad lines"));
                            Finish();
                            return;
                        }
                    }
                    pending.Write(buffer, start, n - start);
                    if (!CheckLength(pending)) return;
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                Drop($"gone while reading ({e.GetType().Name})");
                return;
            }
            // The client closed its side. A subscriber may still be reading; anyone else gets the replies, then the end.
            if (!Subscribed) Finish();
        }

        private bool CheckLength(MemoryStream pending)
        {
            if (pending.Length <= ControlProtocol.MaxCommandLineBytes) return true;
            Enqueue(ControlProtocol.FormatError($"line longer than {ControlProtocol.MaxCommandLineBytes} bytes; closing the connection"));
            Finish();
            return false;
        }

        private void Handle(ReadOnlySpan<byte> raw)
        {
            if (raw.Length > 0 && raw[^1] == '\r') raw = raw[..^1];
            if (raw.IsEmpty) return;
            string line;
            try { line = StrictUtf8.GetString(raw); }
            catch (DecoderFallbackException)
            {
                _badLines++;
                Enqueue(ControlProtocol.FormatError("the line is not UTF-8"));
                return;
            }
            if (!ControlProtocol.TryParseRequest(line, out var request, out var error))
            {
                _badLines++;
                Enqueue(request?.Command is { Length: > 0 } command && ControlCommands.All.Contains(command)
                    ? ControlProtocol.FormatReply(request.Id, command, error)
                    : ControlProtocol.FormatError(error!, request?.Id));
                return;
            }
            var refusal = _server.Execute(request!, this, out var extra);
            Enqueue(ControlProtocol.FormatReply(request!.Id, request.Command, refusal, extra));
            if (refusal is null && request.Command == ControlCommands.Subscribe) _server.Subscribe(this, request.CatchUp ?? true);
        }

        private async Task WriteLoopAsync()
        {
            var token = _cts.Token;
            var batch = new MemoryStream();
            try
            {
                var reader = _queue.Reader;
                while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
                {
                    while (reader.TryRead(out var item))
                    {
                        Interlocked.Add(ref _queuedBytes, -item.Bytes);
                        if (item.CatchUp is { } catchUp)
                        {
                            await FlushAsync(batch, token).ConfigureAwait(false);
                            await CatchUpAsync(catchUp, token).ConfigureAwait(false);
                            continue;
                        }
                        if (item.IsEvent && _dedupe is not null)
                        {
                            var seen = _dedupe.Contains(Hash(item.Line));
                            if (--_dedupeLeft <= 0) _dedupe = null;
                            if (seen) continue;
                        }
                        batch.Write(item.Line);
                        batch.Write(Newline);
                        if (batch.Length >= 1 << 16) await FlushAsync(batch, token).ConfigureAwait(false);
                    }
                    await FlushAsync(batch, token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                Drop(_dropReason ?? $"gone while writing ({e.GetType().Name})");
            }
            finally
            {
                try { _stream.Dispose(); } catch (Exception) { }
            }
        }

        private async Task FlushAsync(MemoryStream batch, CancellationToken token)
        {
            if (batch.Length == 0) return;
            await _stream.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), token).ConfigureAwait(false);
            await _stream.FlushAsync(token).ConfigureAwait(false);
            batch.SetLength(0);
        }

        /// <summary>
        /// The run so far: every complete line of metrics.jsonl, then the recent events the file did not have yet; events
        /// that arrive live and were already in the file are skipped.
        /// </summary>
        private async Task CatchUpAsync(CatchUp catchUp, CancellationToken token)
        {
            var seen = new HashSet<ulong>();
            var order = new Queue<ulong>();
            var sent = 0;
            var batch = new MemoryStream();
            void Send(ReadOnlySpan<byte> line)
            {
                var h = Hash(line);
                if (seen.Add(h)) order.Enqueue(h);
                if (order.Count > DedupeLines) seen.Remove(order.Dequeue());
                batch.Write(line);
                batch.Write(Newline);
                sent++;
            }
            if (catchUp.MetricsPath is { } path && File.Exists(path))
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: false);
                var end = file.Length; // what is there now; later lines come live
                var buffer = new byte[1 << 16];
                var carry = new MemoryStream();
                long read = 0;
                while (read < end)
                {
                    var n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - read)), token).ConfigureAwait(false);
                    if (n == 0) break;
                    read += n;
                    var start = 0;
                    for (var i = 0; i < n; i++)
                    {
                        if (buffer[i] != (byte)'\n') continue;
                        if (carry.Length > 0)
                        {
                            carry.Write(buffer, start, i - start);
                            Send(carry.GetBuffer().AsSpan(0, (int)carry.Length));
                            carry.SetLength(0);
                        }
                        else if (i > start) Send(buffer.AsSpan(start, i - start));
                        start = i + 1;
                    }
                    carry.Write(buffer, start, n - start); // a line still being written: left to the live stream
                    if (batch.Length >= 1 << 16) await FlushAsync(batch, token).ConfigureAwait(false);
                }
            }
            foreach (var line in catchUp.Recent)
                if (!seen.Contains(Hash(line))) Send(line);
            batch.Write(Encoding.UTF8.GetBytes(new JsonObject { ["type"] = MessageTypes.CaughtUp, ["v"] = ControlProtocol.Version, ["events"] = sent }.ToJsonString(ControlProtocol.Json)));
            batch.Write(Newline);
            await FlushAsync(batch, token).ConfigureAwait(false);
            _dedupe = seen.Count > 0 ? seen : null;
            _dedupeLeft = DedupeLines;
        }
    }
}
