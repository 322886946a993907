using System.Diagnostics;
using DeltaTui.Core.Control;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui train --detach</c>: starts the same train again in the background, in a session of its own (setsid: no
/// terminal, so no hang-up reaches it), headless, with stdin from /dev/null and its output appended to
/// runs/NAME/console.log; waits until its control socket answers, then says how to attach.
/// </summary>
internal static class DetachedTrain
{
    public const string ChildVariable = "DELTATUI_DETACHED";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>True in the background process that --detach started.</summary>
    public static bool IsDetachedChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    public static int Start(string runDirectory, string runName, bool resume, TextWriter output, TextWriter error)
    {
        if (OperatingSystem.IsWindows())
        {
            error.WriteLine("deltatui train: --detach needs Linux or macOS");
            return ExitCodes.Usage;
        }
        var host = Environment.ProcessPath;
        var args = Environment.GetCommandLineArgs();
        var train = Array.IndexOf(args, "train");
        if (host is null || train < 1)
        {
            error.WriteLine("deltatui train: --detach could not find its own command line; run it as: deltatui train --detach ...");
            return ExitCodes.Usage;
        }
        if (RunLock.IsHeld(runDirectory))
        {
            error.WriteLine($"deltatui train: {runDirectory} is in use by a running train (pid {RunLock.ReadPid(runDirectory)}); attach with: deltatui attach {Shown(runDirectory)}");
            return ExitCodes.Failure;
        }
        Directory.CreateDirectory(runDirectory);
        var consoleLog = Path.Combine(runDirectory, "console.log");

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("""
            exec </dev/null >>"$DELTATUI_CONSOLE_LOG" 2>&1
            if command -v setsid >/dev/null 2>&1; then exec setsid "$@"; else exec nohup "$@"; fi
            """);
        start.ArgumentList.Add("deltatui-detached");
        start.ArgumentList.Add(host);
        // Everything the user typed (libtorch option, config, overrides), less --detach, with the run name fixed.
        foreach (var a in args.Take(train)) start.ArgumentList.Add(a);
        start.ArgumentList.Add("train");
        foreach (var a in args.Skip(train + 1).Where(a => a != "--detach")) start.ArgumentList.Add(a);
        if (!resume) { start.ArgumentList.Add("--run.name"); start.ArgumentList.Add(runName); }
        start.ArgumentList.Add("--headless");
        start.Environment[ChildVariable] = "1";
        start.Environment["DELTATUI_CONSOLE_LOG"] = consoleLog;

        using var child = Process.Start(start);
        if (child is null)
        {
            error.WriteLine("deltatui train: could not start the background process");
            return ExitCodes.Failure;
        }
        var socket = ControlProtocol.SocketPath(runDirectory);
        var watch = Stopwatch.StartNew();
        while (!ControlEndpoint.CanConnect(socket))
        {
            if (child.WaitForExit(250))
            {
                error.WriteLine($"deltatui train: the background run ended at once (exit {child.ExitCode}); its output, {Shown(consoleLog)}, ends:");
                foreach (var line in TailLines(consoleLog, 15)) error.WriteLine("  " + line);
                return ExitCodes.Failure;
            }
            if (watch.Elapsed > StartTimeout)
            {
                error.WriteLine($"deltatui train: the background run (pid {child.Id}) has not opened its control socket in {StartTimeout.TotalSeconds:0} s; see {Shown(consoleLog)}");
                return ExitCodes.Failure;
            }
        }
        output.WriteLine($"deltatui train: {runName} runs in the background (pid {child.Id})");
        output.WriteLine($"  run folder: {Shown(runDirectory)}");
        output.WriteLine($"  output:     {Shown(consoleLog)}");
        output.WriteLine($"  attach:     deltatui attach {Shown(runDirectory)}   (Ctrl+D in the dashboard detaches again)");
        output.WriteLine($"  list runs:  deltatui runs {Shown(Path.GetDirectoryName(runDirectory)!)}");
        return ExitCodes.Success;
    }

    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static IEnumerable<string> TailLines(string path, int count)
    {
        try { return File.ReadLines(path).TakeLast(count).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
