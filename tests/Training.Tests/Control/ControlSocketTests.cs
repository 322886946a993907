using Xunit;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;

namespace DeltaTui.Training.Tests.Control;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ControlSocketTests
{
    [Fact]
    public async Task Given_two_attachers_When_each_sends_a_command_Then_both_are_acted_on_and_both_see_every_event()
    {
        using var run = new ControlHarness();
        await using var a = await run.ConnectAsync();
        await using var b = await run.ConnectAsync();
        Assert.True((await a.Subscribe()).Ok);
        Assert.True((await b.Subscribe()).Ok);
        await Task.WhenAll(a.CaughtUp, b.CaughtUp);

        var pause = await a.SendAsync(new ControlRequest(null, null, ControlCommands.Pause, null, null, null));
        var save = await b.SendAsync(new ControlRequest(null, null, ControlCommands.SaveMasks, null, null, null));
        var interval = await b.SendAsync(new ControlRequest(null, null, ControlCommands.SetMaskInterval, null, 25, null));
        var iou = await a.SendAsync(new ControlRequest(null, null, ControlCommands.SetPerTensorIou, true, null, null));
        run.Hub.Publish(ControlHarness.Step(1));
        run.Hub.Publish(ControlHarness.Step(2));

        Assert.All(new[] { pause, save, interval, iou }, r => Assert.True(r.Ok, r.Error));
        Assert.Equal(["pause", "save_masks", "mask_interval=25", "per_tensor_iou=True"], run.Control.Calls.ToArray());
        foreach (var client in new[] { a, b })
        {
            var seen = await ControlHarness.ReadUntil(client.Events, e => e is StepCompleted { Step: 2 });
            Assert.Equal([1, 2], seen.OfType<StepCompleted>().Select(s => s.Step));
        }
        Assert.Equal(2, run.Server.Subscribers);
    }

    [Fact]
    public async Task Given_the_control_of_ITrainingControl_When_a_client_uses_it_Then_each_call_reaches_the_run()
    {
        using var run = new ControlHarness();
        await using var client = await run.ConnectAsync();
        client.Control.RequestSaveMasks();
        client.Control.Pause();
        client.Control.Resume();
        client.Control.SetPerTensorIou(false);
        client.Control.SetMaskInterval(7);
        client.Control.RequestStop();
        // A status reply comes after every earlier command was handled: the connection is in order.
        var status = await client.SendAsync(new ControlRequest(null, null, ControlCommands.Status, null, null, null));

        Assert.True(status.Ok);
        Assert.Equal(["save_masks", "pause", "resume", "per_tensor_iou=False", "mask_interval=7", "stop"], run.Control.Calls.ToArray());
    }

    [Fact]
    public async Task Given_a_run_with_history_When_a_late_attacher_subscribes_Then_it_gets_the_file_then_the_unwritten_then_live_events_each_once()
    {
        using var run = new ControlHarness();
        var started = new RunStarted("run", "m", "cpu", 100, run.RunDirectory, 1, "adamw", "sigmoid");
        // Steps 1-3 are in metrics.jsonl and went through the hub; 4 went through the hub and is not written yet.
        StepCompleted one = ControlHarness.Step(1), two = ControlHarness.Step(2), three = ControlHarness.Step(3);
        run.AppendToMetricsFile(started, one, two);
        run.Hub.Publish(started);
        run.Hub.Publish(one);
        run.Hub.Publish(two);
        run.Hub.Publish(three);
        run.AppendToMetricsFile(three);
        run.Hub.Publish(ControlHarness.Step(4));
        await using (var probe = await run.ConnectAsync())
        {
            // The server has taken every event from the hub once a status reply reports step 4.
            while ((await probe.SendAsync(new ControlRequest(null, null, ControlCommands.Status, null, null, null))).Raw["step"]!.GetValue<int>() < 4) { }
        }

        await using var late = await run.ConnectAsync();
        Assert.True((await late.Subscribe()).Ok);
        run.Hub.Publish(ControlHarness.Step(5));
        var seen = await ControlHarness.ReadUntil(late.Events, e => e is StepCompleted { Step: 5 });

        Assert.IsType<RunStarted>(seen[0]);
        Assert.Equal([1, 2, 3, 4, 5], seen.OfType<StepCompleted>().Select(s => s.Step));
    }

    [Fact]
    public async Task Given_malformed_unknown_and_invalid_lines_When_sent_Then_each_gets_an_error_naming_the_problem_and_nothing_reaches_the_run()
    {
        using var run = new ControlHarness();
        using var socket = run.RawConnect();
        using var reader = ControlHarness.Reader(socket);
        Assert.Contains("\"hello\"", await ControlHarness.ReadLine(reader));

        (string Line, string Expected)[] cases =
        [
            ("{not json", "malformed JSON"),
            ("[1,2]", "expected a JSON object"),
            ("{\"id\":1}", "missing \"command\""),
            ("{\"id\":2,\"command\":\"fly\"}", "unknown command \"fly\""),
            ("{\"id\":3,\"v\":9,\"command\":\"pause\"}", "protocol version 9"),
            ("{\"id\":4,\"command\":\"set_mask_interval\",\"steps\":0}", "at least 1"),
            ("{\"id\":5,\"command\":\"set_mask_interval\",\"steps\":\"ten\"}", "at least 1"),
            ("{\"id\":6,\"command\":\"set_per_tensor_iou\"}", "\"enabled\""),
            ("{\"id\":{\"x\":1},\"command\":\"pause\"}", "\"id\" must be"),
            ("\"pause\"", "expected a JSON object"),
        ];
        foreach (var (line, expected) in cases)
        {
            ControlHarness.Send(socket, line + "\n");
            var reply = JsonNode.Parse((await ControlHarness.ReadLine(reader))!)!.AsObject();
            Assert.Contains(expected, reply["error"]!.GetValue<string>());
            Assert.NotEqual(true, reply["ok"]?.GetValue<bool>());
        }
        socket.Send([0xff, 0xfe, (byte)'\n']);
        Assert.Contains("not UTF-8", await ControlHarness.ReadLine(reader));

        Assert.Empty(run.Control.Calls);
        ControlHarness.Send(socket, "{\"id\":7,\"command\":\"pause\"}\n");
        Assert.Contains("\"ok\":true", await ControlHarness.ReadLine(reader));
        Assert.Equal(["pause"], run.Control.Calls.ToArray());
    }

    [Fact]
    public async Task Given_random_bytes_When_fuzzed_Then_the_server_answers_or_drops_and_still_serves_a_new_client()
    {
        using var run = new ControlHarness();
        var random = new Random(17);
        for (var connection = 0; connection < 8; connection++)
        {
            using var socket = run.RawConnect();
            for (var line = 0; line < 40; line++)
            {
                var bytes = new byte[random.Next(0, 300)];
                random.NextBytes(bytes);
                // Sometimes near-JSON, sometimes noise; newlines in the noise split it into more lines.
                var text = random.Next(3) == 0 ? Encoding.UTF8.GetBytes("{\"command\":\"" + Convert.ToBase64String(bytes) + "\"}") : bytes;
                try { socket.Send([.. text, (byte)'\n']); }
                catch (SocketException) { break; } // dropped for too many bad lines: allowed
            }
        }
        await using var client = await run.ConnectAsync();
        var status = await client.SendAsync(new ControlRequest(null, null, ControlCommands.Status, null, null, null));

        Assert.True(status.Ok);
        Assert.DoesNotContain(run.Control.Calls, c => c is "stop" or "pause" or "resume" or "save_masks");
    }

    [Fact]
    public async Task Given_a_line_longer_than_the_limit_When_sent_Then_the_client_gets_an_error_and_the_connection_ends()
    {
        using var run = new ControlHarness();
        using var socket = run.RawConnect();
        using var reader = ControlHarness.Reader(socket);
        await ControlHarness.ReadLine(reader);

        var oversize = new string('x', ControlProtocol.MaxCommandLineBytes + 10);
        try { ControlHarness.Send(socket, oversize); } catch (SocketException) { }
        var error = await ControlHarness.ReadLine(reader);
        var end = await ControlHarness.ReadLine(reader);

        Assert.Contains($"longer than {ControlProtocol.MaxCommandLineBytes} bytes", error);
        Assert.Null(end);
        Assert.Empty(run.Control.Calls);
    }

    [Fact]
    public async Task Given_a_subscriber_that_never_reads_When_events_keep_coming_Then_its_queue_stays_bounded_and_it_is_dropped()
    {
        const int lineLimit = 256;
        const long byteLimit = 256 * 1024;
        using var run = new ControlHarness(o => o with { QueueLineLimit = lineLimit, QueueByteLimit = byteLimit });
        var dropped = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        run.Server.ClientDropped += (_, reason) => dropped.TrySetResult(reason);
        await using var reading = await run.ConnectAsync();
        Assert.True((await reading.Subscribe()).Ok);
        using var stuck = run.RawConnect();
        stuck.ReceiveBufferSize = 4096;
        ControlHarness.Send(stuck, "{\"id\":1,\"command\":\"subscribe\",\"catch_up\":false}\n");

        await reading.CaughtUp;
        var bigMetrics = Enumerable.Range(0, 200).ToDictionary(i => $"metric/{i}", i => (double)i);
        var published = 0;
        // The reading client keeps up (it has each event before the next is published); the stuck one falls behind.
        while (!dropped.Task.IsCompleted && published < 20_000)
        {
            run.Hub.Publish(new StepCompleted(++published, 1_000_000, bigMetrics));
            await ControlHarness.ReadUntil(reading.Events, e => e is StepCompleted s && s.Step == published);
        }
        var reason = await dropped.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Contains("fell behind", reason);
        Assert.InRange(run.Server.MaxQueuedLines, 1, lineLimit);
        Assert.InRange(run.Server.MaxQueuedBytes, 1, byteLimit);
        // The reading client is not dropped with it and gets the last event.
        run.Hub.Publish(new LogMessage(LogLevel.Info, "after the drop"));
        var seen = await ControlHarness.ReadUntil(reading.Events, e => e is LogMessage { Message: "after the drop" });
        Assert.Equal("after the drop", Assert.IsType<LogMessage>(seen[^1]).Message);
        Assert.Null(reading.LostReason);
        Assert.Equal(1, run.Server.Subscribers);
    }

    [Fact]
    public async Task Given_an_attached_client_process_When_it_is_killed_mid_stream_Then_the_server_drops_it_and_goes_on()
    {
        var python = "/usr/bin/python3";
        if (!File.Exists(python)) Assert.Skip("needs /usr/bin/python3 to run a client in its own process");
        using var run = new ControlHarness();
        var dropped = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        run.Server.ClientDropped += (_, reason) => dropped.TrySetResult(reason);
        var script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nf=s.makefile('rwb')\nf.readline()\n"
                   + "f.write(b'{\"id\":1,\"command\":\"subscribe\"}\\n');f.flush()\nwhile b'caught_up' not in f.readline(): pass\n"
                   + "print('subscribed', flush=True)\nimport time\ntime.sleep(600)\n";
        using var client = Process.Start(new ProcessStartInfo(python) { ArgumentList = { "-c", script, run.SocketPath }, RedirectStandardOutput = true })!;
        Assert.Equal("subscribed", await client.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));

        client.Kill();
        await client.WaitForExitAsync(TestContext.Current.CancellationToken);
        var step = 0;
        while (!dropped.Task.IsCompleted && step < 1_000_000) run.Hub.Publish(ControlHarness.Step(++step));
        var reason = await dropped.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Contains("gone", reason);
        await using var next = await run.ConnectAsync();
        Assert.True((await next.SendAsync(new ControlRequest(null, null, ControlCommands.Pause, null, null, null))).Ok);
    }

    [Fact]
    public async Task Given_a_run_that_ended_When_a_steering_command_comes_Then_it_is_refused_with_why()
    {
        using var run = new ControlHarness();
        run.Hub.Publish(new RunFinished(10, run.RunDirectory, [], Stopped: true));
        await using var client = await run.ConnectAsync();
        ControlReply reply;
        do reply = await client.SendAsync(new ControlRequest(null, null, ControlCommands.Pause, null, null, null));
        while (reply.Ok);

        Assert.Contains("the run has ended (stopped)", reply.Error);
        Assert.Empty(run.Control.Calls);
    }

    [Fact]
    public void Given_an_open_control_socket_Then_it_is_0600_in_a_0700_folder()
    {
        using var run = new ControlHarness();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(run.SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(run.SocketPath)!));
    }

    [Fact]
    public void Given_a_control_folder_left_open_to_others_When_the_lock_is_taken_Then_the_folder_is_made_0700_again()
    {
        var root = Directory.CreateTempSubdirectory("ctl-").FullName;
        try
        {
            var folder = ControlProtocol.ControlFolder(root);
            Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
            Assert.True(RunLock.TryAcquire(root, out var runLock, out _));
            using (runLock)
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task Given_a_socket_left_by_a_dead_run_When_a_new_train_opens_Then_it_is_replaced_and_answers()
    {
        var root = Directory.CreateTempSubdirectory("ctl-").FullName;
        try
        {
            var socketPath = ControlProtocol.SocketPath(root);
            Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
            ControlHarness.LeaveStaleSocket(socketPath);
            Assert.False(ControlEndpoint.CanConnect(socketPath));

            var hub = new EventHub();
            using var server = new ControlServer(hub, new RecordingControl(), new ControlServerOptions("r", null));
            Assert.True(RunLock.TryAcquire(root, out var runLock, out _));
            using (runLock)
            using (ControlEndpoint.Open(root, runLock!, server))
            {
                await using var client = await ControlClient.ConnectAsync(socketPath, TestContext.Current.CancellationToken);
                Assert.Equal("r", client.Hello.Run);
                Assert.Equal(Environment.ProcessId, client.Hello.Pid);
            }
            Assert.False(File.Exists(socketPath));
            hub.Complete();
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Given_a_held_run_lock_When_a_second_train_tries_Then_it_is_refused_with_the_holders_pid_until_released()
    {
        var root = Directory.CreateTempSubdirectory("ctl-").FullName;
        try
        {
            Assert.True(RunLock.TryAcquire(root, out var first, out _));
            Assert.True(RunLock.IsHeld(root));
            Assert.False(RunLock.TryAcquire(root, out var second, out var holder));
            Assert.Null(second);
            Assert.Equal(Environment.ProcessId, holder);

            first!.Dispose();
            Assert.False(RunLock.IsHeld(root));
            Assert.True(RunLock.TryAcquire(root, out var third, out _));
            third!.Dispose();
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Theory]
    [InlineData(1000u, 1000u, true)]
    [InlineData(65534u, 1000u, false)]
    [InlineData(0u, 1000u, false)]
    public void Given_a_peers_uid_When_checked_Then_only_the_owners_uid_is_let_in(uint peerUid, uint ownerUid, bool allowed)
    {
        var refusal = PeerCredentialCheck.Refusal(new PeerCredentials(4242, peerUid, peerUid), ownerUid, credentialsRequired: true);

        if (allowed) Assert.Null(refusal);
        else
        {
            Assert.Contains($"belongs to uid {ownerUid}", refusal);
            Assert.Contains($"runs as uid {peerUid}", refusal);
        }
    }

    [Fact]
    public void Given_unreadable_credentials_on_Linux_Then_the_peer_is_refused()
    {
        Assert.Contains("could not be read", PeerCredentialCheck.Refusal(null, 0, credentialsRequired: true));
    }

    [Fact]
    public async Task Given_a_connection_Then_the_peer_credentials_read_are_this_process()
    {
        using var run = new ControlHarness();
        using var socket = run.RawConnect();
        var peer = PeerCredentialCheck.Read(socket); // the server's side, seen from the client: the same process

        Assert.NotNull(peer);
        Assert.Equal(PeerCredentialCheck.CurrentUid, peer.Value.Uid);
        Assert.Equal(Environment.ProcessId, peer.Value.Pid);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Given_a_process_of_another_uid_When_it_connects_Then_it_is_refused_with_a_clear_message()
    {
        const string setpriv = "/usr/bin/setpriv", python = "/usr/bin/python3";
        if (PeerCredentialCheck.CurrentUid != 0 || !File.Exists(setpriv) || !File.Exists(python))
            Assert.Skip("needs root, setpriv and /usr/bin/python3 to connect as another user; the check itself is tested above");
        using var run = new ControlHarness();
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        run.Endpoint.Refused += (_, message) => refused.TrySetResult(message);
        // Let the other user reach the socket at all (the 0700 folder alone would stop it): the credential check must refuse it.
        foreach (var folder in new[] { run.Root, run.RunDirectory, Path.GetDirectoryName(run.SocketPath)! })
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(run.SocketPath, (UnixFileMode)0b110_110_110);

        var script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nprint(s.makefile('rb').readline().decode().strip())\n";
        var start = new ProcessStartInfo(setpriv) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", script, run.SocketPath }) start.ArgumentList.Add(a);
        using var other = Process.Start(start)!;
        var line = await other.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await other.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Contains("refused", line);
        Assert.Contains("runs as uid 65534", line);
        Assert.Contains("runs as uid 65534", await refused.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal(0, run.Server.Connections);
    }
}
