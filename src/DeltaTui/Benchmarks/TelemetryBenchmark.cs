using System.Diagnostics;
using System.Globalization;
using DeltaTui.Core.Events;
using DeltaTui.Telemetry;

namespace DeltaTui.Benchmarks;

/// <summary>
/// What telemetry costs the training process: CPU time per sample (tight loop) and the process's
/// CPU use over a window with the 1 Hz sampler running against the same window idle, as a
/// percentage of one core (target below 0.5 %), plus bytes allocated per sample.
/// Arguments: --seconds N (window, default 20), --interval-ms N (default 1000),
/// --nvml auto|native|simulated (default auto: native when libnvidia-ml loads), --gpus N (simulated, default 8),
/// --slow-every N (read PCIe throughput and processes every N samples, default as <see cref="TelemetryOptions.SlowFieldsEvery"/>).
/// </summary>
public sealed class TelemetryBenchmark : IBenchmark
{
    private const double TargetPercentOfCore = 0.5;

    public string Name => "telemetry";

    public string Description => "CPU and allocation cost of the NVML + /proc sampler (target < 0.5% of one core at 1 Hz)";

    public async Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken)
    {
        if (!TryInt(arguments, "seconds", 20, out var seconds, output) || !TryInt(arguments, "interval-ms", 1000, out var intervalMs, output)
            || !TryInt(arguments, "gpus", 8, out var simulatedGpus, output)) return 2;
        if (seconds < 1 || intervalMs < 1 || simulatedGpus < 0)
        {
            await output.WriteLineAsync("telemetry: --seconds, --interval-ms must be positive and --gpus not negative");
            return 2;
        }
        var mode = arguments.TryGetValue("nvml", out var m) ? m : "auto";
        INvml nvml;
        switch (mode)
        {
            case "native": nvml = new NativeNvml(); break;
            case "simulated": nvml = SimulatedNvml.WithGpus(simulatedGpus); break;
            case "auto": nvml = NvmlLibrary.Handle != 0 ? new NativeNvml() : SimulatedNvml.WithGpus(simulatedGpus); break;
            default:
                await output.WriteLineAsync($"telemetry: --nvml must be auto, native or simulated, got \"{mode}\"");
                return 2;
        }
        if (!TryInt(arguments, "slow-every", new TelemetryOptions().SlowFieldsEvery, out var slowEvery, output)) return 2;
        if (slowEvery < 1)
        {
            await output.WriteLineAsync("telemetry: --slow-every must be at least 1");
            return 2;
        }
        var nvmlName = nvml is NativeNvml ? "native libnvidia-ml" : $"simulated, {simulatedGpus} GPU(s)";
        var options = new TelemetryOptions { Interval = TimeSpan.FromMilliseconds(intervalMs), SlowFieldsEvery = slowEvery };
        var timed = new TimedNvml(nvml);

        // 1. Cost of one sample, measured back to back (warm: NVML started, buffers sized).
        var hub = new EventHub();
        var drained = Drain(hub, cancellationToken);
        GpuSnapshot first;
        using (var sampler = new TelemetrySampler(nvml, hub, options))
        using (var timedSampler = new TelemetrySampler(timed, hub, options))
        {
            first = sampler.SampleOnce().Gpus;
            for (var i = 0; i < 5; i++) sampler.SampleOnce();
            const int loops = 100;
            var cpu0 = Environment.CpuUsage.TotalTime;
            var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
            var wall = Stopwatch.StartNew();
            for (var i = 0; i < loops; i++) sampler.SampleOnce();
            wall.Stop();
            var perSampleCpu = (Environment.CpuUsage.TotalTime - cpu0) / loops;
            var perSampleAlloc = (GC.GetTotalAllocatedBytes(precise: true) - alloc0) / loops;
            var perSampleWall = wall.Elapsed / loops;
            // The per-function breakdown comes from a second run through the timing wrapper, whose
            // own bookkeeping must not count in the figures above.
            for (var i = 0; i < 5; i++) timedSampler.SampleOnce();
            timed.Reset();
            for (var i = 0; i < loops; i++) timedSampler.SampleOnce();

            await output.WriteLineAsync($"telemetry benchmark: NVML {nvmlName}; GPUs read: {first.Gpus.Count}{(first.Unavailable is null ? "" : $" ({first.Unavailable})")}");
            await output.WriteLineAsync($"machine: {Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
            await output.WriteLineAsync();
            await output.WriteLineAsync("| measure | value |");
            await output.WriteLineAsync("| --- | --- |");
            await output.WriteLineAsync($"| wall time per sample (tight loop of {loops}) | {Ms(perSampleWall)} ms |");
            await output.WriteLineAsync($"| CPU time per sample (all threads) | {Ms(perSampleCpu)} ms |");
            await output.WriteLineAsync($"| implied cost at {intervalMs} ms | {Pct(perSampleCpu.TotalMilliseconds / intervalMs)} % of one core |");
            await output.WriteLineAsync($"| allocated per sample (events included) | {perSampleAlloc} B |");
            await output.WriteLineAsync();
            await output.WriteLineAsync($"| NVML function (tight loop, slow fields every {slowEvery} samples) | calls per sample | wall ms per sample | thread CPU ms per sample |");
            await output.WriteLineAsync("| --- | --- | --- | --- |");
            foreach (var (function, cost) in timed.Costs.OrderByDescending(c => c.Value.Cpu))
            {
                await output.WriteLineAsync($"| {function} | {(cost.Calls / (double)loops).ToString("0.##", CultureInfo.InvariantCulture)} | {Ms(cost.Wall / loops)} | {Ms(cost.Cpu / loops)} |");
            }
            await output.WriteLineAsync();
            await output.WriteLineAsync("| measure | value |");
            await output.WriteLineAsync("| --- | --- |");
        }

        // 2. The process over a window idle, then with the sampler thread running. Steady state is
        // what a long training run pays: the threaded path is first run fast enough for the tiered
        // JIT to finish with it (at 1 Hz that would take a minute and some hundred ms of CPU once),
        // then the JIT's background work is left to drain before anything is measured.
        var warmHub = new EventHub();
        var warmDrain = Drain(warmHub, cancellationToken);
        using (var warm = new TelemetrySampler(nvml, warmHub, options with { Interval = TimeSpan.FromMilliseconds(10) }))
        {
            warm.Start();
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        }
        warmHub.Complete();
        await warmDrain;
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var idleCpu = await CpuOver(TimeSpan.FromSeconds(seconds), cancellationToken);
        long samples;
        TimeSpan busyCpu;
        var hub2 = new EventHub();
        var counter = Drain(hub2, cancellationToken);
        var jitMethods0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime0 = System.Runtime.JitInfo.GetCompilationTime();
        var gc0 = GC.CollectionCount(0);
        TimeSpan firstWindowCpu, samplerThreadsCpu;
        using (var sampler = new TelemetrySampler(nvml, hub2, options))
        {
            sampler.Start();
            // The first window at this rate still pays one-off costs (thread start, tiering of code
            // first run at 1 Hz); the second is the steady state a long training run sees.
            firstWindowCpu = await CpuOver(TimeSpan.FromSeconds(seconds), cancellationToken);
            jitMethods0 = System.Runtime.JitInfo.GetCompiledMethodCount();
            jitTime0 = System.Runtime.JitInfo.GetCompilationTime();
            var threads0 = SamplerThreadsCpu();
            busyCpu = await CpuOver(TimeSpan.FromSeconds(seconds), cancellationToken);
            samplerThreadsCpu = SamplerThreadsCpu() - threads0;
        }
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods0;
        var jitTime = System.Runtime.JitInfo.GetCompilationTime() - jitTime0;
        var gcs = GC.CollectionCount(0) - gc0;
        hub2.Complete();
        samples = await counter;
        hub.Complete();
        await drained;
        var overhead = (busyCpu - idleCpu).TotalMilliseconds / (seconds * 1000.0);
        await output.WriteLineAsync($"| process CPU over {seconds} s idle | {Ms(idleCpu)} ms |");
        await output.WriteLineAsync($"| process CPU over the first {seconds} s sampling | {Ms(firstWindowCpu)} ms |");
        await output.WriteLineAsync($"| process CPU over the next {seconds} s sampling ({samples} GPU snapshots in both) | {Ms(busyCpu)} ms |");
        await output.WriteLineAsync($"| sampler and NVML worker threads' own CPU in that window | {Ms(samplerThreadsCpu)} ms ({Pct(samplerThreadsCpu.TotalMilliseconds / (seconds * 1000.0))} % of one core) |");
        await output.WriteLineAsync($"| JIT during the sampling window | {jitMethods} methods, {Ms(jitTime)} ms |");
        await output.WriteLineAsync($"| gen0 GCs during the sampling window | {gcs} |");
        await output.WriteLineAsync($"| sampler cost (difference / wall) | {Pct(overhead)} % of one core |");
        await output.WriteLineAsync();
        var verdict = Math.Max(overhead, 0) < TargetPercentOfCore / 100 ? "within" : "ABOVE";
        await output.WriteLineAsync($"{verdict} the target of {TargetPercentOfCore.ToString(CultureInfo.InvariantCulture)} % of one core at {intervalMs} ms");
        return 0;
    }

    /// <summary>CPU time of this process's "telemetry-sampler" and "nvml-worker" threads, from /proc/self/task/*/schedstat (ns); zero where unavailable.</summary>
    private static TimeSpan SamplerThreadsCpu()
    {
        long ns = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    var comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                    // Linux keeps 15 characters of a thread name.
                    if (comm is not ("telemetry-sampl" or "nvml-worker")) continue;
                    var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    if (long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var t)) ns += t;
                }
                catch (IOException)
                {
                    // The thread ended between listing and reading.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }
        return TimeSpan.FromTicks(ns / 100);
    }

    private static async Task<TimeSpan> CpuOver(TimeSpan window, CancellationToken cancellationToken)
    {
        var start = Environment.CpuUsage.TotalTime;
        await Task.Delay(window, cancellationToken);
        return Environment.CpuUsage.TotalTime - start;
    }

    /// <summary>A subscriber like a sink: reads every event, counts the GPU snapshots.</summary>
    private static Task<long> Drain(EventHub hub, CancellationToken cancellationToken)
    {
        var reader = hub.Subscribe();
        return Task.Run(async () =>
        {
            long n = 0;
            await foreach (var e in reader.ReadAllAsync(cancellationToken)) if (e is GpuSnapshot) n++;
            return n;
        }, cancellationToken);
    }

    private static bool TryInt(IReadOnlyDictionary<string, string> args, string key, int fallback, out int value, TextWriter output)
    {
        value = fallback;
        if (!args.TryGetValue(key, out var text)) return true;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)) return true;
        output.WriteLine($"telemetry: --{key} must be an integer, got \"{text}\"");
        return false;
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Pct(double fraction) => (fraction * 100).ToString("0.000", CultureInfo.InvariantCulture);
}
