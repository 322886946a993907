using System.CommandLine;
using System.Threading.Channels;
using DeltaTui.Dashboard;
using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;

namespace DeltaTui.Cli;

/// <summary>
/// `deltatui replay runs/NAME`: the dashboard, read-only, on a finished or running run's metrics.jsonl.
/// `deltatui watch runs/NAME`: the same, following the file live. Without a terminal: a text summary.
/// </summary>
public static class ReplayCommand
{
    public static Command Create() => Build("replay", "Open the dashboard read-only on a run's metrics.jsonl (for a lost SSH session)", follow: false);

    internal static Command Build(string name, string description, bool follow)
    {
        var run = new Argument<string>("run") { Description = "The run folder (runs/<name>) or its metrics.jsonl" };
        var command = new Command(name, description) { run };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            string path;
            try { path = RunLogReader.Locate(parseResult.GetValue(run)!); }
            catch (FileNotFoundException e) { await error.WriteLineAsync($"deltatui {name}: {e.Message}"); return 2; }
            var reader = new RunLogReader(path);
            var terminal = TerminalCapabilities.Detect();
            var channel = Channel.CreateUnbounded<RunEvent>();

            if (!terminal.Interactive)
            {
                var state = reader.ReadAll().Aggregate(DashboardState.Initial(), DashboardReducer.Reduce);
                await output.WriteAsync(DashboardText.Render(state));
                foreach (var p in reader.Problems) await error.WriteLineAsync($"warning: {p}");
                return 0;
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task feeding = follow
                ? reader.FollowAsync(channel.Writer, TimeSpan.FromMilliseconds(250), cts.Token)
                : Task.Run(() => { foreach (var e in reader.ReadAll()) channel.Writer.TryWrite(e); channel.Writer.TryComplete(); }, cts.Token);
            DashboardRunner.Run(channel.Reader, control: null, new DashboardOptions(ReadOnly: true, Title: $"DeltaTui {name}: {path}"), terminal, CancellationToken.None);
            cts.Cancel();
            try { await feeding; } catch (OperationCanceledException) { }
            foreach (var p in reader.Problems.Take(10)) await error.WriteLineAsync($"warning: {p}");
            return 0;
        });
        return command;
    }
}

public static class WatchCommand
{
    public static Command Create() => ReplayCommand.Build("watch", "Follow a running run's metrics.jsonl live in the dashboard (read-only)", follow: true);
}
