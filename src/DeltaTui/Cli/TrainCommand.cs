using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using DeltaTui.Core.Control;
using DeltaTui.Dashboard;
using DeltaTui.Training.Checkpoints;
using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using DeltaTui.Core.Events;
using DeltaTui.Training.Sinks;
using DeltaTui.Telemetry;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui train [--config configs/X.json] [--headless] [--resume runs/NAME] [--debug-jaccard] [--section.key value ...]</c>:
/// runs DPO training with the dashboard in the foreground, or headless with a progress line (asked for, or when
/// there is no usable terminal). Metrics always go to runs/NAME/metrics.jsonl and TensorBoard. SIGINT and SIGTERM
/// finish the step in flight, save masks, scores and a checkpoint, then exit; SIGHUP detaches the dashboard.
/// Every run listens on its control socket (runs/NAME/control/control.sock, docs/control-protocol.md); the dashboard
/// started here is a client of it like any `deltatui attach`. <c>--detach</c> starts the run in the background.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = $"Configuration file (default {ConfigPaths.Demo}; with --resume, the run's own resolved config)" };
        var headless = new Option<bool>("--headless") { Description = "No dashboard: print a progress line (also when there is no terminal)" };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder (runs/NAME) from its latest complete checkpoint" };
        var debugJaccard = new Option<bool>("--debug-jaccard") { Description = "Compute and log the per-tensor Jaccard table at every mask interval" };
        var detach = new Option<bool>("--detach") { Description = "Run in the background (own session, output to runs/NAME/console.log); attach with deltatui attach runs/NAME" };
        var command = new Command("train", "Run DPO fine-tuning; any further --section.key value overrides the config")
        {
            config, headless, resume, debugJaccard, detach,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var resumeDirectory = parseResult.GetValue(resume);
            var configFile = parseResult.GetValue(config);
            if (resumeDirectory is not null)
            {
                resumeDirectory = Path.GetFullPath(resumeDirectory);
                configFile ??= Path.Combine(resumeDirectory, DpoRunFactory.ResolvedConfigFileName);
                if (!Directory.Exists(resumeDirectory))
                {
                    error.WriteLine($"deltatui train: --resume {resumeDirectory}: no such run folder");
                    return Task.FromResult(ExitCodes.Usage);
                }
            }
            configFile ??= ConfigPaths.Locate(ConfigPaths.Demo);

            var overrides = new List<string>(parseResult.UnmatchedTokens);
            if (parseResult.GetValue(debugJaccard)) overrides.AddRange(["--debug.jaccard", "true"]);
            if (parseResult.GetValue(headless)) overrides.AddRange(["--run.headless", "true"]);
            DeltaTuiOptions options;
            try
            {
                options = ConfigLoader.Load(ConfigSources.FromProcess([configFile], overrides));
            }
            catch (ConfigException e)
            {
                error.WriteLine($"deltatui train: {e.Message}");
                return Task.FromResult(ExitCodes.Usage);
            }

            string runName;
            if (resumeDirectory is not null)
            {
                runName = Path.GetFileName(Path.TrimEndingDirectorySeparator(resumeDirectory));
                options = options with { Run = options.Run with { OutputRoot = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(resumeDirectory))!, Name = runName } };
                // A finished run is said to be one, and nothing is touched: no sink opens, no event is appended.
                if (ResumePoint(resumeDirectory, options, output)) return Task.FromResult(ExitCodes.Success);
            }
            else
            {
                runName = options.Run.Name ?? $"{Path.GetFileNameWithoutExtension(configFile)}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
            }

            if (parseResult.GetValue(detach))
                return Task.FromResult(DetachedTrain.Start(Path.GetFullPath(Path.Combine(options.Run.OutputRoot, runName)), runName, resumeDirectory is not null, output, error));

            var terminal = TerminalCapabilities.Detect();
            var headlessRun = options.Run.Headless || !terminal.Interactive;
            if (!options.Run.Headless && terminal.HeadlessReason is { } reason) output.WriteLine($"deltatui train: headless ({reason})");
            return Task.FromResult(Run(options, runName, resumeDirectory is not null, headlessRun, terminal, output, error, cancellationToken));
        });
        return command;
    }

    /// <summary>
    /// Prints the checkpoint a resume starts from (its step and SHA-256 check) as the run's first line.
    /// </summary>
    /// <returns>True when that checkpoint is the run's last step: the run is finished and there is nothing to resume.</returns>
    private static bool ResumePoint(string runDirectory, DeltaTuiOptions options, TextWriter output)
    {
        // No complete checkpoint: the run factory reports it with the reasons.
        if (CheckpointStore.ForRun(runDirectory).FindLatest() is not { } latest) return false;
        var state = CheckpointStore.ReadState(latest.Path);
        var total = options.Training.Steps > 0 ? options.Training.Steps : state.TotalSteps;
        var check = CheckpointStore.Describe(latest.Check);
        if (state.Step >= total)
        {
            output.WriteLine($"deltatui train: {runDirectory} is finished: its latest checkpoint {latest.Path} is at step {state.Step} of {total} ({check}); nothing to resume, no file was changed");
            return true;
        }
        output.WriteLine($"deltatui train: resuming from checkpoint {latest.Path} at step {state.Step} of {total} ({check})");
        return false;
    }

    private static int Run(DeltaTuiOptions options, string runName, bool resume, bool headless, TerminalCapabilities terminal,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var control = new TrainingControl();
        using var onCancel = cancellationToken.Register(control.RequestStop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopOn(control));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopOn(control));

        using var sighup = DetachedTrain.IsDetachedChild ? PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true) : null;

        var hub = new EventHub();
        var runDirectory = Path.GetFullPath(Path.Combine(options.Run.OutputRoot, runName));
        // What this run creates, so that a run that fails before its first step can take it away again.
        var created = resume ? null : RunFolderCleanup.Before(runDirectory);
        Directory.CreateDirectory(runDirectory);
        // One train per run folder; the lock also makes a socket left by a dead train safe to replace.
        RunLock? runLock = null;
        try
        {
            if (!RunLock.TryAcquire(runDirectory, out runLock, out var holder))
            {
                error.WriteLine($"deltatui train: {runDirectory} is in use by a running train{(holder is { } pid ? $" (pid {pid})" : "")}; "
                              + $"attach to it with: deltatui attach {runDirectory}");
                return ExitCodes.Failure;
            }
        }
        catch (ControlSocketException e)
        {
            error.WriteLine($"deltatui train: {e.Message}; the run goes on without its lock and control socket");
        }
        using var heldLock = runLock;
        void SinkFailed(Exception e) => error.WriteLine($"deltatui train: an event sink failed: {e.Message}");
        var sinks = new List<Task>
        {
            EventSinkRunner.RunAsync(hub, new JsonlSink(Path.Combine(runDirectory, "metrics.jsonl")), SinkFailed),
            EventSinkRunner.RunAsync(hub, new TensorBoardSink(Path.Combine(runDirectory, "tensorboard")), SinkFailed),
        };
        using var server = new ControlServer(hub, control, new ControlServerOptions(runName, Path.Combine(runDirectory, "metrics.jsonl")));
        using var endpoint = OpenControlSocket(runDirectory, runLock, server, error);
        using var dashboard = headless ? null : ConnectOwnDashboard(server, endpoint, error);
        if (headless) sinks.Add(EventSinkRunner.RunAsync(hub, new ConsoleSink(output, TimeSpan.FromSeconds(1), errors: error), SinkFailed));

        sinks.AddRange(RunFileSinks.Start(hub, runDirectory, SinkFailed));
        var hfExtras = new HfSnapshotExtras(options with { Run = options.Run with { Name = runName } }, DpoRunFactory.FinalModelDirectory(options, runName));
        sinks.Add(EventSinkRunner.RunAsync(hub, hfExtras, SinkFailed));
        var saved = new SavedFilesSink();
        sinks.Add(EventSinkRunner.RunAsync(hub, saved, SinkFailed));
        using var telemetry = StartTelemetry(options, hub, error);

        // Training runs on a foreground thread: whatever the host or the UI does, the process cannot end
        // before the step in flight is finished and everything is saved.
        var exitCode = ExitCodes.Failure;
        var training = new Thread(() => exitCode = Train(options, runName, resume, hub, control, hfExtras)) { IsBackground = false, Name = "deltatui-train" };
        training.Start();
        var exit = DashboardExit.Quit;
        if (dashboard is not null)
        {
            var consoleLog = Path.Combine(runDirectory, "console.log");
            exit = DashboardHost.RunAlongside(dashboard.Events, dashboard.Control, new DashboardOptions(options.Debug.Jaccard, Title: $"DeltaTui {runName}"), terminal,
                onDetached: () => sinks.Add(EventSinkRunner.RunAsync(hub, new ConsoleSink(new StreamWriter(consoleLog, append: true), TimeSpan.FromSeconds(1)), SinkFailed)));
            if (exit == DashboardExit.Detached) dashboard.Dispose(); // no longer a dashboard on this run: `deltatui runs` says detached
        }
        training.Join();
        telemetry?.Dispose();
        hub.Complete();
        Task.WaitAll(sinks);
        server.Completion.Wait(TimeSpan.FromSeconds(5));
        server.Close(TimeSpan.FromSeconds(2)); // attached dashboards get the last events and a goodbye
        var removed = exitCode != ExitCodes.Success && created is not null && !saved.SawProgress && created.Remove();
        // The dashboard has restored the terminal: say where everything went (the headless line already did).
        if (dashboard is not null && exit != DashboardExit.Detached) saved.WriteSummary(output, error, removed ? null : runDirectory);
        return exitCode;
    }

    /// <summary>The run's control socket; without one (a path too long, a folder that cannot be made private) the run goes on.</summary>
    private static ControlEndpoint? OpenControlSocket(string runDirectory, RunLock? runLock, ControlServer server, TextWriter error)
    {
        if (runLock is null) return null;
        try
        {
            return ControlEndpoint.Open(runDirectory, runLock, server);
        }
        catch (ControlSocketException e)
        {
            error.WriteLine($"deltatui train: no control socket ({e.Message}); the run goes on, but deltatui attach cannot reach it");
            return null;
        }
    }

    /// <summary>
    /// The dashboard of this terminal is a client of the control protocol like any attacher: over the socket, or, where
    /// there is none, over an in-process connection to the same server.
    /// </summary>
    private static ControlClient ConnectOwnDashboard(ControlServer server, ControlEndpoint? endpoint, TextWriter error)
    {
        ControlClient client;
        try
        {
            client = endpoint is not null
                ? ControlClient.ConnectAsync(endpoint.SocketPath).GetAwaiter().GetResult()
                : InProcessConnection.ConnectAsync(server).GetAwaiter().GetResult();
        }
        catch (ControlConnectException e)
        {
            error.WriteLine($"deltatui train: the dashboard could not connect over the socket ({e.Message}); connecting in-process");
            client = InProcessConnection.ConnectAsync(server).GetAwaiter().GetResult();
        }
        _ = client.Subscribe(catchUp: true);
        return client;
    }

    /// <summary>GPU and host telemetry beside the training; a failing or missing NVML only shows as N/A.</summary>
    private static TelemetrySampler? StartTelemetry(DeltaTuiOptions options, EventHub hub, TextWriter error)
    {
        if (!options.Telemetry.Enabled) return null;
        try
        {
            var sampler = new TelemetrySampler(new NativeNvml(), hub, options.Telemetry.ToSamplerOptions());
            sampler.Start();
            return sampler;
        }
        catch (Exception e)
        {
            error.WriteLine($"deltatui train: telemetry is off ({e.Message}); training goes on");
            return null;
        }
    }

    private static int Train(DeltaTuiOptions options, string runName, bool resume, EventHub hub, TrainingControl control, HfSnapshotExtras hfExtras)
    {
        var trainerStarted = false;
        try
        {
            using var run = DpoRunFactory.Create(options, runName, hub, control, resume);
            trainerStarted = true;
            hfExtras.DataFingerprint = run.DataFingerprint;
            var outcome = run.Trainer.Run(CancellationToken.None);
            return outcome.End == TrainingEnd.Diverged ? ExitCodes.Failure : ExitCodes.Success;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Bad data, a missing snapshot, an unreadable checkpoint: the message names the file and what is wrong.
            // The trainer publishes its own failures; the sinks (console, dashboard summary) print it, once.
            if (!trainerStarted) hub.Publish(new RunFailed(0, e.Message));
            return ExitCodes.Failure;
        }
    }

    private static Action<PosixSignalContext> StopOn(TrainingControl control) => context =>
    {
        context.Cancel = true; // do not die: finish the step, save, then exit
        control.RequestStop();
    };
}
