using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class SlowFieldsTests
{
    [Fact]
    public void Given_slow_fields_every_third_sample_When_sampling_four_times_Then_PCIe_and_processes_are_read_twice_and_repeated_between()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.Gpus[0].Processes = [new NvmlProcessInfo { Pid = 900001, UsedGpuMemory = 1UL << 20 }];
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { SlowFieldsEvery = 3 });

        var first = h.Sampler.SampleOnce().Gpus.Gpus[0];
        nvml.Gpus[0].PcieTxKBps = 5000;
        nvml.Gpus[0].Processes = [];
        var second = h.Sampler.SampleOnce().Gpus.Gpus[0];
        var third = h.Sampler.SampleOnce().Gpus.Gpus[0];
        var fourth = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Equal(4, nvml.Calls("nvmlDeviceGetPcieThroughput")); // tx and rx, on samples 1 and 4
        Assert.Equal(1200L, first.PcieTxKBps);
        Assert.Equal(1200L, second.PcieTxKBps);
        Assert.Single(third.Processes);
        Assert.Equal(5000L, fourth.PcieTxKBps);
        Assert.Empty(fourth.Processes);
        Assert.Equal(4, nvml.Calls("nvmlDeviceGetMemoryInfo"));
    }

    [Fact]
    public void Given_an_unsupported_slow_field_When_repeated_between_reads_Then_its_reason_is_repeated_too()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.MissingExports.Add("nvmlDeviceGetPcieThroughput");
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { SlowFieldsEvery = 5 });

        h.Sampler.SampleOnce();
        var between = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Null(between.PcieRxKBps);
        Assert.Equal("NVML_ERROR_FUNCTION_NOT_FOUND", between.FieldErrors["pcieRx"]);
    }

    [Fact]
    public void Given_a_timed_NVML_When_a_sample_is_taken_Then_each_function_is_counted_once_per_call()
    {
        var nvml = SimulatedNvml.WithGpus(2);
        var timed = new TimedNvml(nvml);
        using var h = new SamplerHarness(nvml);
        using var sampler = new TelemetrySampler(timed, h.Hub, SamplerHarness.Options() with { SlowFieldsEvery = 1 }, h.Time);

        sampler.SampleOnce();

        Assert.Equal(2, timed.Costs["nvmlDeviceGetMemoryInfo"].Calls);
        Assert.Equal(4, timed.Costs["nvmlDeviceGetPcieThroughput"].Calls);
        Assert.Equal(4, timed.Costs["nvmlDeviceGetClockInfo"].Calls);
        Assert.Equal(1, timed.Costs["nvmlInit_v2"].Calls);
        Assert.All(timed.Costs.Values, c => Assert.True(c.Wall >= TimeSpan.Zero && c.Cpu >= TimeSpan.Zero));
    }

    [Fact]
    public void Given_several_samples_When_taken_Then_the_board_maximum_clocks_are_read_once_and_repeated()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        var timed = new TimedNvml(nvml);
        using var h = new SamplerHarness(nvml);
        using var sampler = new TelemetrySampler(timed, h.Hub, SamplerHarness.Options(), h.Time);

        var first = sampler.SampleOnce().Gpus.Gpus[0];
        sampler.SampleOnce();
        var third = sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Equal(2, timed.Costs["nvmlDeviceGetMaxClockInfo"].Calls); // SM and memory, first sample only
        Assert.Equal(6, timed.Costs["nvmlDeviceGetClockInfo"].Calls);
        Assert.NotNull(third.SmClockMaxMHz);
        Assert.Equal(first.SmClockMaxMHz, third.SmClockMaxMHz);
        Assert.Equal(first.MemoryClockMaxMHz, third.MemoryClockMaxMHz);
    }
}
