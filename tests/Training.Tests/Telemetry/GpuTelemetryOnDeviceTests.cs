using System.Diagnostics;
using DeltaTui.Core.Events;
using DeltaTui.Torch.Runtime;
using DeltaTui.Telemetry;
using TorchSharp;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

/// <summary>Real NVML on a real GPU while this process keeps it busy. Runs only with -trait gpu=true.</summary>
[Trait("gpu", "true")]
public class GpuTelemetryOnDeviceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Load = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Given_a_TorchSharp_matmul_loop_on_CUDA_When_sampling_real_NVML_Then_utilisation_power_memory_and_this_process_show()
    {
        TorchRuntime.Select(LibTorchSelection.Resolve(null, Environment.GetEnvironmentVariable("DELTATUI_LIBTORCH")));
        var hub = new EventHub();
        var events = hub.Subscribe();
        using var sampler = new TelemetrySampler(new NativeNvml(), hub, new TelemetryOptions { Interval = TimeSpan.FromMilliseconds(250) });

        // Before CUDA is touched: the baseline memory, and NVML must already work.
        var before = sampler.SampleOnce().Gpus;
        output.WriteLine("before: " + TelemetryText.Line(before, null));
        Assert.Null(before.Unavailable);
        var index = before.Gpus[0].Index;
        var memoryBefore = before.Gpus[0].MemoryUsedBytes!.Value;

        TorchRuntime.InitializeCuda();
        Assert.True(torch.cuda.is_available(), "TorchSharp sees no CUDA device");
        sampler.Start();
        using (var a = torch.randn(8192, 8192, dtype: torch.bfloat16, device: torch.CUDA))
        using (var b = torch.randn(8192, 8192, dtype: torch.bfloat16, device: torch.CUDA))
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; clock.Elapsed < Load; i++)
            {
                using var c = a.mm(b);
                // Keep the queue short so the loop's clock tracks the GPU's.
                if (i % 16 == 0) torch.cuda.synchronize();
            }
            torch.cuda.synchronize();
            sampler.Dispose();
        }
        hub.Complete();

        var readings = new List<GpuReading>();
        await foreach (var e in events.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            if (e is not GpuSnapshot s) continue;
            output.WriteLine(TelemetryText.Line(s, null));
            readings.AddRange(s.Gpus.Where(r => r.Index == index && r.Unavailable is null));
        }
        foreach (var p in readings.SelectMany(r => r.Processes).DistinctBy(p => p.Pid))
            output.WriteLine($"process {p.Pid} {p.Name} {p.UsedMemoryBytes} B self={p.IsSelf} (this pid {Environment.ProcessId})");

        Assert.True(readings.Count >= 20, $"only {readings.Count} readings in {Load.TotalSeconds} s at 4 Hz");
        Assert.True(readings.Max(r => r.UtilizationGpuPercent ?? 0) > 50, "utilisation never above 50 %");
        Assert.True(readings.Max(r => r.PowerWatts ?? 0) > 100, "power never above 100 W");
        Assert.True(readings.Max(r => r.MemoryUsedBytes ?? 0) > memoryBefore + (256L << 20), $"memory used did not grow by 256 MiB from {memoryBefore} B");
        var self = readings.SelectMany(r => r.Processes).Where(p => p.IsSelf).ToList();
        Assert.NotEmpty(self);
        Assert.True(self.Max(p => p.UsedMemoryBytes) >= 256L << 20, "this process holds less than 256 MiB of GPU memory by NVML's account");
    }
}
