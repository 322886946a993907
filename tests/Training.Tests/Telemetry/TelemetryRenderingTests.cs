using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class TelemetryRenderingTests
{
    [Fact]
    public void Given_a_healthy_GPU_When_rendered_as_a_line_Then_every_value_shows_with_its_unit()
    {
        using var h = new SamplerHarness(SimulatedNvml.WithGpus(1));
        var gpus = h.Sampler.SampleOnce().Gpus;

        Assert.Equal(
            "00:00:00 gpu0 NVIDIA H100 80GB HBM3 util 87% mem 30.0/80.0 GiB power 412/700 W temp 61 C sm 1755/1980 MHz pcie tx/rx 1.2/3.3 MB/s clocks-event SwPowerCap procs 0",
            TelemetryText.Line(gpus, null));
    }

    [Fact]
    public void Given_an_unsupported_field_and_a_lost_GPU_When_rendered_Then_they_read_NA_with_reason_and_last_good_time()
    {
        var nvml = SimulatedNvml.WithGpus(2);
        nvml.Gpus[0].Failures["nvmlDeviceGetPowerUsage"] = NvmlReturn.NotSupported;
        using var h = new SamplerHarness(nvml);
        h.Sampler.SampleOnce();
        h.Time.Advance(TimeSpan.FromSeconds(65));
        nvml.Gpus[1].Failures["*"] = NvmlReturn.GpuIsLost;

        var line = TelemetryText.Line(h.Sampler.SampleOnce().Gpus, null);

        Assert.Contains("power N/A/700 W", line);
        Assert.Contains("gpu1 NVIDIA H100 80GB HBM3 N/A (nvmlDeviceGetMemoryInfo: NVML_ERROR_GPU_IS_LOST; last good 00:00:00)", line);
    }

    [Fact]
    public void Given_NVML_never_started_and_an_empty_host_reading_When_rendered_Then_the_line_says_never_read_and_host_NA()
    {
        var gpus = new GpuSnapshot([], "NVML unavailable: no driver", null) { Time = new DateTimeOffset(2026, 1, 1, 12, 30, 5, TimeSpan.Zero) };
        var host = new HostSnapshot(null, null, null, null);

        Assert.Equal("12:30:05 gpu N/A (NVML unavailable: no driver; never read) | host cpu N/A rss N/A avail N/A/N/A",
            TelemetryText.Line(gpus, host));
    }

    [Fact]
    public void Given_a_snapshot_with_an_unsupported_field_When_serialised_Then_the_JSON_has_null_and_the_reason()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.Gpus[0].Failures["nvmlDeviceGetPowerUsage"] = NvmlReturn.NotSupported;
        using var h = new SamplerHarness(nvml);
        var (gpus, host) = h.Sampler.SampleOnce();

        using var doc = JsonDocument.Parse(TelemetryJson.Serialize(gpus, host, indented: true));

        var gpu = doc.RootElement.GetProperty("gpu").GetProperty("gpus")[0];
        Assert.Equal(87, gpu.GetProperty("utilizationGpuPercent").GetDouble());
        Assert.Equal(JsonValueKind.Null, gpu.GetProperty("powerWatts").ValueKind);
        Assert.Equal("NVML_ERROR_NOT_SUPPORTED", gpu.GetProperty("fieldErrors").GetProperty("power").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("gpu").GetProperty("unavailable").ValueKind);
        Assert.Equal(host.ProcessRssBytes, doc.RootElement.GetProperty("host").GetProperty("processRssBytes").GetInt64());
    }
}
