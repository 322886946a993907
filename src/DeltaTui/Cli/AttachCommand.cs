using System.CommandLine;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;
using DeltaTui.Dashboard;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui attach runs/NAME</c>: the full dashboard on a running run, over its control socket, every key working as
/// in the dashboard that <c>train</c> opens (save masks, pause, stop and save, the Jaccard pane); Ctrl+D detaches and
/// the run goes on. Several attachers may watch one run.
/// </summary>
public static class AttachCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "The run folder (runs/NAME), or its control socket (runs/NAME/control/control.sock)" };
        var debugJaccard = new Option<bool>("--debug-jaccard") { Description = "Open with the per-tensor Jaccard pane showing" };
        var command = new Command("attach", "Open the dashboard on a running run (every key works; Ctrl+D detaches, the run goes on)") { run, debugJaccard };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var target = parseResult.GetValue(run)!;
            var runDirectory = Directory.Exists(target) ? Path.GetFullPath(target) : Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(target)))!;
            var socket = Directory.Exists(target) ? ControlProtocol.SocketPath(runDirectory) : Path.GetFullPath(target);
            if (!Directory.Exists(target) && !File.Exists(target))
            {
                await error.WriteLineAsync($"deltatui attach: {target}: no such run folder (deltatui runs lists them)");
                return ExitCodes.Usage;
            }
            var terminal = TerminalCapabilities.Detect();
            if (!terminal.Interactive)
            {
                await error.WriteLineAsync($"deltatui attach: needs a terminal ({terminal.HeadlessReason}); deltatui runs lists runs, deltatui watch {target} prints a summary");
                return ExitCodes.Usage;
            }
            ControlClient client;
            try
            {
                client = await ControlClient.ConnectAsync(socket, cancellationToken);
            }
            catch (ControlConnectException e)
            {
                await error.WriteLineAsync($"deltatui attach: {e.Message}");
                if (Directory.Exists(runDirectory) && File.Exists(Path.Combine(runDirectory, "metrics.jsonl")))
                {
                    var summary = RunSummaries.Read(runDirectory, TimeSpan.FromSeconds(1));
                    await error.WriteLineAsync($"deltatui attach: the run is {summary.State}; deltatui replay {target} shows it");
                }
                return ExitCodes.Failure;
            }
            await using (client)
            {
                var hello = client.Hello;
                _ = client.CaughtUp.ContinueWith(_ => client.AddLocalEvent(new LogMessage(LogLevel.Info,
                    $"attached to {hello.Run} (pid {hello.Pid}) over {socket}; Ctrl+D detaches, the run goes on")), TaskScheduler.Default);
                var subscribed = await client.Subscribe(catchUp: true);
                if (!subscribed.Ok)
                {
                    await error.WriteLineAsync($"deltatui attach: {subscribed.Error}");
                    return ExitCodes.Failure;
                }
                var exit = DashboardRunner.Run(client.Events, client.Control,
                    new DashboardOptions(parseResult.GetValue(debugJaccard), Title: $"DeltaTui {hello.Run} (attached)", CanDetach: true),
                    terminal, HangupSignal.Token);
                if (exit == DashboardExit.Detached && client.LostReason is null)
                    await output.WriteLineAsync($"deltatui attach: detached; {hello.Run} goes on (pid {hello.Pid}). Attach again: deltatui attach {target}");
                else if (client.LostReason is { } lost)
                    await output.WriteLineAsync($"deltatui attach: {lost}; deltatui runs {Path.GetDirectoryName(runDirectory)} says where it is");
                else
                    await output.WriteLineAsync($"deltatui attach: left {hello.Run}; its files are in {runDirectory}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
