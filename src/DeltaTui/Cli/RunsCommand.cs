using System.CommandLine;
using System.Globalization;
using DeltaTui.Core.Control;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui runs [DIR]</c>: every run under DIR (default runs/), newest first: state (running: a dashboard is on it;
/// detached: alive, no dashboard; finished, stopped, failed), step, last loss, when it started and last wrote, its pid.
/// Sockets and pid files of dead runs are removed on the way.
/// </summary>
public static class RunsCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir") { Description = "The folder holding run folders", DefaultValueFactory = _ => "runs" };
        var command = new Command("runs", "List runs: state (running, detached, finished, stopped, failed), step, loss, started, last update, pid") { directory };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var root = parseResult.GetValue(directory)!;
            if (!Directory.Exists(root))
            {
                await error.WriteLineAsync($"deltatui runs: {root}: no such folder (runs are under --run.output_root, default runs/)");
                return ExitCodes.Usage;
            }
            var runs = RunSummaries.List(root, TimeSpan.FromSeconds(2));
            if (runs.Count == 0)
            {
                await output.WriteLineAsync($"no runs under {root}");
                return ExitCodes.Success;
            }
            await output.WriteAsync(Format(runs));
            return ExitCodes.Success;
        });
        return command;
    }

    public static string Format(IReadOnlyList<RunSummary> runs)
    {
        string[] header = ["NAME", "STATE", "STEP", "LOSS", "STARTED", "UPDATED", "PID", "NOTE"];
        var rows = runs.Select(r => new[]
        {
            r.Name, r.State, r.TotalSteps > 0 ? $"{r.Step}/{r.TotalSteps}" : r.Step.ToString(CultureInfo.InvariantCulture),
            r.LastLoss is { } loss ? loss.ToString("0.0000", CultureInfo.InvariantCulture) : "-",
            Time(r.Started), Time(r.LastUpdate), r.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Note ?? "",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        var text = new System.Text.StringBuilder();
        foreach (var row in rows.Prepend(header))
            text.Append(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).Append('\n');
        return text.ToString();
    }

    private static string Time(DateTimeOffset? time) =>
        time is { } t ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
}
