using System.CommandLine;
using DeltaTui.Core.Events;
using DeltaTui.Telemetry;

namespace DeltaTui.Cli;

/// <summary>
/// `deltatui gpu`: GPU and host telemetry without the dashboard. `--once` prints one snapshot
/// (like `nvtop -s`), otherwise a line per interval until Ctrl+C; `--json` for machines.
/// </summary>
public static class GpuCommand
{
    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Print one snapshot and exit" };
        var json = new Option<bool>("--json") { Description = "JSON instead of text (one object per line without --once)" };
        var interval = new Option<double>("--interval")
        {
            Description = "Seconds between samples",
            DefaultValueFactory = _ => 1.0,
        };
        var command = new Command("gpu", "GPU (NVML) and host (/proc) telemetry") { once, json, interval };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(once), parse.GetValue(json), parse.GetValue(interval), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(bool once, bool json, double intervalSeconds, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!(intervalSeconds > 0) || double.IsInfinity(intervalSeconds))
        {
            await error.WriteLineAsync($"gpu: --interval must be a positive number of seconds, got {intervalSeconds}");
            return 2;
        }
        var hub = new EventHub();
        var options = new TelemetryOptions { Interval = TimeSpan.FromSeconds(intervalSeconds) };
        using var sampler = new TelemetrySampler(new NativeNvml(), hub, options);

        if (once)
        {
            // CPU % is a difference of two readings; the first one also starts NVML.
            sampler.SampleOnce();
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            var (gpus, host) = sampler.SampleOnce();
            await output.WriteLineAsync(json ? TelemetryJson.Serialize(gpus, host, indented: true) : TelemetryText.Line(gpus, host));
            return 0;
        }

        var events = hub.Subscribe();
        sampler.Start();
        GpuSnapshot? lastGpus = null;
        try
        {
            await foreach (var e in events.ReadAllAsync(cancellationToken))
            {
                switch (e)
                {
                    case GpuSnapshot g:
                        lastGpus = g;
                        break;
                    case HostSnapshot h when lastGpus is not null:
                        await output.WriteLineAsync(json ? TelemetryJson.Serialize(lastGpus, h, indented: false) : TelemetryText.Line(lastGpus, h));
                        await output.FlushAsync(cancellationToken);
                        break;
                    case TelemetryBreakerChanged b:
                        await error.WriteLineAsync($"gpu: breaker {(b.GpuIndex < 0 ? "nvml" : "gpu" + b.GpuIndex)} {b.State}: {b.Reason}");
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return 0;
    }
}
