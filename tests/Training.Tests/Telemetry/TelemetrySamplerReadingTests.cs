using DeltaTui.Core.Events;
using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class TelemetrySamplerReadingTests
{
    [Fact]
    public void Given_a_healthy_GPU_When_sampled_Then_every_field_is_converted_to_the_event_units()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.Gpus[0].Processes = [new NvmlProcessInfo { Pid = (uint)Environment.ProcessId, UsedGpuMemory = 5UL << 30 }];
        using var h = new SamplerHarness(nvml);

        var (snapshot, _) = h.Sampler.SampleOnce();

        Assert.Null(snapshot.Unavailable);
        Assert.Equal(h.Time.GetUtcNow(), snapshot.Time);
        var r = Assert.Single(snapshot.Gpus);
        Assert.Equal("NVIDIA H100 80GB HBM3", r.Name);
        Assert.Equal(87.0, r.UtilizationGpuPercent);
        Assert.Equal(41.0, r.UtilizationMemoryPercent);
        Assert.Equal(30L << 30, r.MemoryUsedBytes);
        Assert.Equal(80L << 30, r.MemoryTotalBytes);
        Assert.Equal(412.345, r.PowerWatts!.Value, 9);
        Assert.Equal(700.0, r.PowerLimitWatts);
        Assert.Equal(61.0, r.TemperatureC);
        Assert.Equal(1755, r.SmClockMHz);
        Assert.Equal(1980, r.SmClockMaxMHz);
        Assert.Equal(2619, r.MemoryClockMHz);
        Assert.Equal(["SwPowerCap"], r.ThrottleReasons);
        Assert.Equal(1200L, r.PcieTxKBps);
        Assert.Equal(3400L, r.PcieRxKBps);
        Assert.Empty(r.FieldErrors);
        Assert.Equal(h.Time.GetUtcNow(), r.LastGoodSample);
        var p = Assert.Single(r.Processes);
        Assert.True(p.IsSelf);
        Assert.Equal(5L << 30, p.UsedMemoryBytes);
        Assert.Equal(File.ReadAllText("/proc/self/comm").TrimEnd('\n'), p.Name);
    }

    [Fact]
    public void Given_more_processes_than_the_first_buffer_holds_When_sampled_Then_the_buffer_is_sized_from_a_count_zero_call()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.Gpus[0].Processes = Enumerable.Range(1, 20).Select(i => new NvmlProcessInfo { Pid = (uint)(900000 + i), UsedGpuMemory = (ulong)i << 20 }).ToArray();
        using var h = new SamplerHarness(nvml);

        var r = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Equal(20, r.Processes.Count);
        Assert.Equal(20L << 20, r.Processes[19].UsedMemoryBytes);
        Assert.All(r.Processes, p => Assert.False(p.IsSelf));
        // One sizing call with count 0, then one read into a buffer grown to fit.
        Assert.Equal(2, nvml.Calls("nvmlDeviceGetComputeRunningProcesses_v3"));
    }

    [Fact]
    public void Given_power_is_not_supported_When_sampled_Then_power_is_NA_with_the_NVML_reason_and_the_rest_is_read()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.Gpus[0].Failures["nvmlDeviceGetPowerUsage"] = NvmlReturn.NotSupported;
        using var h = new SamplerHarness(nvml);

        var r = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Null(r.PowerWatts);
        Assert.Equal("NVML_ERROR_NOT_SUPPORTED", r.FieldErrors["power"]);
        Assert.Equal(700.0, r.PowerLimitWatts);
        Assert.Null(r.Unavailable);
        Assert.Empty(h.Drain().OfType<TelemetryBreakerChanged>());
    }

    [Fact]
    public void Given_a_driver_without_PCIe_throughput_or_TemperatureV_When_sampled_Then_PCIe_is_NA_and_temperature_uses_the_old_call()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.MissingExports.Add("nvmlDeviceGetPcieThroughput");
        nvml.MissingExports.Add("nvmlDeviceGetTemperatureV");
        using var h = new SamplerHarness(nvml);

        var r = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Null(r.PcieTxKBps);
        Assert.Null(r.PcieRxKBps);
        Assert.Equal("NVML_ERROR_FUNCTION_NOT_FOUND", r.FieldErrors["pcieTx"]);
        Assert.Equal("NVML_ERROR_FUNCTION_NOT_FOUND", r.FieldErrors["pcieRx"]);
        Assert.Equal(61.0, r.TemperatureC);
        Assert.Equal(1, nvml.Calls("nvmlDeviceGetTemperature"));
        Assert.Equal(0, nvml.Calls("nvmlDeviceGetTemperatureV"));
    }

    [Fact]
    public void Given_no_NVML_library_When_sampled_Then_the_snapshot_is_unavailable_with_the_paths_tried()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.InitResult = NvmlReturn.LibraryNotFound;
        nvml.LoadDiagnostics = "could not load any of: libnvidia-ml.so.1, /usr/local/nvidia/lib64/libnvidia-ml.so.1";
        using var h = new SamplerHarness(nvml);

        var (gpus, host) = h.Sampler.SampleOnce();

        Assert.Empty(gpus.Gpus);
        Assert.Contains("NVML_ERROR_LIBRARY_NOT_FOUND", gpus.Unavailable);
        Assert.Contains("/usr/local/nvidia/lib64/libnvidia-ml.so.1", gpus.Unavailable);
        Assert.Null(gpus.LastGoodSample);
        Assert.NotNull(host.ProcessRssBytes);
    }

    [Fact]
    public void Given_no_driver_When_sampled_Then_the_snapshot_says_the_driver_is_not_loaded()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.InitResult = NvmlReturn.DriverNotLoaded;
        using var h = new SamplerHarness(nvml);

        var gpus = h.Sampler.SampleOnce().Gpus;

        Assert.Empty(gpus.Gpus);
        Assert.Contains("nvmlInit_v2: NVML_ERROR_DRIVER_NOT_LOADED", gpus.Unavailable);
    }

    [Fact]
    public void Given_a_driver_without_GPUs_When_sampled_Then_the_snapshot_says_there_is_no_GPU()
    {
        using var h = new SamplerHarness(new SimulatedNvml());

        var gpus = h.Sampler.SampleOnce().Gpus;

        Assert.Empty(gpus.Gpus);
        Assert.Contains("no GPU", gpus.Unavailable);
    }

    [Fact]
    public void Given_CUDA_VISIBLE_DEVICES_names_the_second_GPU_When_sampled_Then_only_that_GPU_is_read()
    {
        var nvml = SimulatedNvml.WithGpus(2);
        nvml.Gpus[1].Name = "second";
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { CudaVisibleDevices = "1" });

        var r = Assert.Single(h.Sampler.SampleOnce().Gpus.Gpus);

        Assert.Equal(1, r.Index);
        Assert.Equal("second", r.Name);
    }

    [Fact]
    public void Given_CUDA_VISIBLE_DEVICES_is_empty_When_sampled_Then_no_GPU_is_read_and_the_reason_names_the_variable()
    {
        using var h = new SamplerHarness(SimulatedNvml.WithGpus(2), SamplerHarness.Options() with { CudaVisibleDevices = "" });

        var gpus = h.Sampler.SampleOnce().Gpus;

        Assert.Empty(gpus.Gpus);
        Assert.Contains("CUDA_VISIBLE_DEVICES is empty", gpus.Unavailable);
    }

    [Fact]
    public void Given_a_GPU_is_lost_after_a_good_sample_When_sampled_again_Then_it_is_NA_with_the_reason_and_the_last_good_time()
    {
        var nvml = SimulatedNvml.WithGpus(2);
        using var h = new SamplerHarness(nvml);
        h.Sampler.SampleOnce();
        var goodAt = h.Time.GetUtcNow();
        h.Time.Advance(TimeSpan.FromSeconds(1));
        nvml.Gpus[0].Failures["*"] = NvmlReturn.GpuIsLost;

        var gpus = h.Sampler.SampleOnce().Gpus;

        var lost = gpus.Gpus[0];
        Assert.Contains("NVML_ERROR_GPU_IS_LOST", lost.Unavailable);
        Assert.Equal(goodAt, lost.LastGoodSample);
        Assert.Equal("NVIDIA H100 80GB HBM3", lost.Name);
        Assert.Null(lost.UtilizationGpuPercent);
        Assert.Null(lost.MemoryUsedBytes);
        var healthy = gpus.Gpus[1];
        Assert.Null(healthy.Unavailable);
        Assert.Equal(h.Time.GetUtcNow(), healthy.LastGoodSample);
    }

    [Fact]
    public void Given_a_history_of_three_When_five_samples_are_taken_Then_the_newest_three_readings_are_kept()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { HistoryLength = 3 });
        for (uint u = 1; u <= 5; u++)
        {
            nvml.Gpus[0].UtilizationGpu = u * 10;
            h.Sampler.SampleOnce();
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([30.0, 40.0, 50.0], h.Sampler.History.Gpu(0).Select(r => r.UtilizationGpuPercent!.Value));
        Assert.Equal(3, h.Sampler.History.Host().Length);
        Assert.Equal([0], h.Sampler.History.GpuIndices());
    }
}
