using DeltaTui.Core.Events;
using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class TelemetrySamplerRateTests
{
    [Fact]
    public async Task Given_a_started_sampler_When_the_clock_moves_five_intervals_Then_six_snapshot_pairs_are_published_and_no_more()
    {
        using var h = new SamplerHarness(SimulatedNvml.WithGpus(1));
        var start = h.Time.GetUtcNow();
        h.Sampler.Start();

        var times = new List<DateTimeOffset> { (await h.NextAsync<GpuSnapshot>()).Time };
        for (var i = 1; i <= 5; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            times.Add((await h.NextAsync<GpuSnapshot>()).Time);
        }

        Assert.Equal(Enumerable.Range(0, 6).Select(i => start.AddSeconds(i)), times);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        // Only the host snapshot of the last tick may be left: no further tick ran without the clock moving.
        var rest = h.Drain();
        Assert.DoesNotContain(rest, e => e is GpuSnapshot);
        Assert.True(rest.Count(e => e is HostSnapshot) <= 1);
    }

    [Fact]
    public async Task Given_a_two_second_interval_When_the_clock_moves_one_second_Then_nothing_is_sampled_until_the_second_one()
    {
        using var h = new SamplerHarness(SimulatedNvml.WithGpus(1), SamplerHarness.Options() with { Interval = TimeSpan.FromSeconds(2) });
        h.Sampler.Start();
        await h.NextAsync<HostSnapshot>();

        h.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Empty(h.Drain());

        h.Time.Advance(TimeSpan.FromSeconds(1));
        var next = await h.NextAsync<GpuSnapshot>();
        Assert.Equal(h.Time.GetUtcNow(), next.Time);
    }

    [Fact]
    public async Task Given_a_started_sampler_When_NVML_is_called_Then_it_runs_on_a_named_background_thread_outside_the_pool()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml);
        h.Sampler.Start();
        await h.NextAsync<GpuSnapshot>();

        var thread = nvml.LastCallThread!;
        Assert.Equal("nvml-worker", thread.Name);
        Assert.True(thread.IsBackground);
        Assert.False(thread.IsThreadPoolThread);
    }
}
