using System.Text;
using DeltaTui.Core.Events;

namespace DeltaTui.Core.Control;

/// <summary>One line of `deltatui runs`: what metrics.jsonl and the control folder say about a run.</summary>
/// <param name="State">running (a dashboard is on it), detached (alive, no dashboard), finished, stopped or failed.</param>
public sealed record RunSummary(
    string Name, string Directory, string State, int Step, int TotalSteps, double? LastLoss,
    DateTimeOffset? Started, DateTimeOffset? LastUpdate, int? Pid, string? Note);

public static class RunSummaries
{
    /// <summary>Every run folder under <paramref name="root"/> (folders holding metrics.jsonl or a control folder), newest first.</summary>
    public static IReadOnlyList<RunSummary> List(string root, TimeSpan probeTimeout)
    {
        if (!System.IO.Directory.Exists(root)) return [];
        return new DirectoryInfo(root).EnumerateDirectories()
            .Where(d => File.Exists(Path.Combine(d.FullName, "metrics.jsonl")) || System.IO.Directory.Exists(ControlProtocol.ControlFolder(d.FullName)))
            .Select(d => Read(d.FullName, probeTimeout))
            .OrderByDescending(r => r.Started ?? DateTimeOffset.MinValue)
            .ToList();
    }

    public static RunSummary Read(string runDirectory, TimeSpan probeTimeout)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory));
        var log = ScanLog(Path.Combine(runDirectory, "metrics.jsonl"));
        var alive = RunLock.IsHeld(runDirectory);
        var pid = RunLock.ReadPid(runDirectory);
        var socket = ControlProtocol.SocketPath(runDirectory);
        string state;
        string? note = null;
        if (alive)
        {
            var hello = Probe(socket, probeTimeout);
            if (hello is null) { state = log.Ended ?? "detached"; note = "alive, but its control socket does not answer"; }
            else
            {
                state = hello.State is "finished" or "stopped" or "failed" ? hello.State : hello.Clients > 0 ? "running" : "detached";
                if (hello.State == "paused") note = "paused";
                if (hello.Clients > 0) note = (note is null ? "" : note + "; ") + $"{hello.Clients} dashboard(s)";
                if (hello.Step > log.Step) log = log with { Step = hello.Step };
                if (hello.TotalSteps > 0) log = log with { Total = hello.TotalSteps };
            }
        }
        else
        {
            state = log.Ended ?? "failed";
            if (log.Ended is null) note = log.Started is null && log.Step == 0 ? "no events yet" : "the process is gone without a last event";
            CleanStale(runDirectory, socket);
            pid = null;
        }
        return new RunSummary(name, runDirectory, state, log.Step, log.Total, log.Loss, log.Started, log.LastTime, pid, note);
    }

    /// <summary>A dead run's socket and pid file (nothing holds its lock): removed, so nobody mistakes them for a live run.</summary>
    private static void CleanStale(string runDirectory, string socket)
    {
        try
        {
            if (File.Exists(socket) && !ControlEndpoint.CanConnect(socket)) File.Delete(socket);
            var pidFile = Path.Combine(ControlProtocol.ControlFolder(runDirectory), ControlProtocol.PidFileName);
            if (File.Exists(pidFile) && !RunLock.IsHeld(runDirectory)) File.Delete(pidFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static ControlHello? Probe(string socket, TimeSpan timeout)
    {
        if (!File.Exists(socket)) return null;
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            var task = ControlClient.ConnectAsync(socket, cts.Token);
            if (!task.Wait(timeout)) return null;
            using var client = task.Result;
            return client.Hello;
        }
        catch (Exception e) when (e is AggregateException or ControlConnectException or OperationCanceledException) { return null; }
    }

    private sealed record LogScan(DateTimeOffset? Started, DateTimeOffset? LastTime, int Step, int Total, double? Loss, string? Ended);

    /// <summary>Reads only the events it needs (first RunStarted; last RunStarted, StepCompleted, RunFinished/RunFailed; last time).</summary>
    private static LogScan ScanLog(string path)
    {
        var scan = new LogScan(null, null, 0, 0, null, null);
        if (!File.Exists(path)) return scan;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, new UTF8Encoding(false, false));
            string? line;
            string? lastLine = null;
            while ((line = reader.ReadLine()) is not null)
            {
                if (line.Length == 0) continue;
                lastLine = line;
                if (line.StartsWith("{\"type\":\"StepCompleted\"", StringComparison.Ordinal)
                    || line.StartsWith("{\"type\":\"RunStarted\"", StringComparison.Ordinal)
                    || line.StartsWith("{\"type\":\"RunFinished\"", StringComparison.Ordinal)
                    || line.StartsWith("{\"type\":\"RunFailed\"", StringComparison.Ordinal))
                {
                    if (!RunEventJson.TryDeserialize(line, out var e, out _)) continue;
                    scan = e switch
                    {
                        RunStarted s => scan with { Started = scan.Started ?? s.Time, Total = s.TotalSteps, Ended = null },
                        StepCompleted s => scan with
                        {
                            Step = s.Step, Total = s.TotalSteps,
                            Loss = s.Metrics.TryGetValue(DpoMetricNames.Loss, out var loss) ? loss : scan.Loss,
                        },
                        RunFinished f => scan with { Step = Math.Max(scan.Step, f.Step), Ended = f.Stopped ? "stopped" : "finished" },
                        RunFailed => scan with { Ended = "failed" },
                        _ => scan,
                    };
                }
            }
            scan = scan with
            {
                LastTime = lastLine is not null && RunEventJson.TryDeserialize(lastLine, out var last, out _)
                    ? last!.Time : new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return scan;
    }
}
