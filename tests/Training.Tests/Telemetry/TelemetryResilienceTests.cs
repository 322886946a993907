using DeltaTui.Core.Events;
using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class TelemetryResilienceTests
{
    private static TelemetryOptions BreakerOptions() => SamplerHarness.Options() with
    {
        RetryAttempts = 0,
        BreakerMinimumThroughput = 3,
        BreakerFailureRatio = 0.5,
        BreakerSamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(5),
        MaxBreakDuration = TimeSpan.FromSeconds(60),
    };

    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Given_a_GPU_failing_three_times_When_sampling_goes_on_Then_the_breaker_opens_stops_polling_and_closes_once_it_answers()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, BreakerOptions());
        nvml.Gpus[0].Failures["*"] = NvmlReturn.GpuIsLost;

        for (var i = 0; i < 3; i++) { h.Sampler.SampleOnce(); h.Time.Advance(Second); }
        var opened = Assert.Single(h.Drain().OfType<TelemetryBreakerChanged>());
        Assert.Equal((0, "Open"), (opened.GpuIndex, opened.State));
        Assert.Contains("NVML_ERROR_GPU_IS_LOST", opened.Reason);
        Assert.Contains("pausing for 5 s", opened.Reason);
        Assert.True(opened.MustDeliver);

        var callsWhenOpened = nvml.Calls("nvmlDeviceGetMemoryInfo");
        var paused = h.Sampler.SampleOnce().Gpus.Gpus[0];
        Assert.Equal(callsWhenOpened, nvml.Calls("nvmlDeviceGetMemoryInfo"));
        Assert.Contains("polling paused", paused.Unavailable);
        Assert.Contains("NVML_ERROR_GPU_IS_LOST", paused.Unavailable);

        nvml.Gpus[0].Failures.Clear();
        h.Time.Advance(TimeSpan.FromSeconds(4)); // 5 s after the breaker opened
        var back = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Null(back.Unavailable);
        Assert.Equal(87.0, back.UtilizationGpuPercent);
        Assert.Equal(["HalfOpen", "Closed"], h.Drain().OfType<TelemetryBreakerChanged>().Select(e => e.State));
    }

    [Fact]
    public void Given_an_open_breaker_whose_probe_fails_When_time_passes_Then_the_next_pause_is_twice_as_long()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, BreakerOptions());
        nvml.Gpus[0].Failures["*"] = NvmlReturn.Unknown;
        for (var i = 0; i < 3; i++) { h.Sampler.SampleOnce(); h.Time.Advance(Second); }
        h.Time.Advance(TimeSpan.FromSeconds(4));
        h.Drain();

        h.Sampler.SampleOnce(); // the probe, still failing
        var events = h.Drain().OfType<TelemetryBreakerChanged>().ToList();
        Assert.Equal(["HalfOpen", "Open"], events.Select(e => e.State));
        Assert.Contains("pausing for 10 s", events[1].Reason);

        var calls = nvml.Calls("nvmlDeviceGetMemoryInfo");
        h.Time.Advance(TimeSpan.FromSeconds(9));
        h.Sampler.SampleOnce();
        Assert.Equal(calls, nvml.Calls("nvmlDeviceGetMemoryInfo"));
        h.Time.Advance(Second);
        h.Sampler.SampleOnce();
        Assert.Equal(calls + 1, nvml.Calls("nvmlDeviceGetMemoryInfo"));
    }

    [Fact]
    public void Given_the_pause_doubles_per_failed_probe_When_computed_Then_it_stops_at_the_maximum()
    {
        var options = BreakerOptions();
        Assert.Equal(TimeSpan.FromSeconds(5), BreakBackoff.Duration(options, 0));
        Assert.Equal(TimeSpan.FromSeconds(40), BreakBackoff.Duration(options, 3));
        Assert.Equal(TimeSpan.FromSeconds(60), BreakBackoff.Duration(options, 4));
        Assert.Equal(TimeSpan.FromSeconds(60), BreakBackoff.Duration(options, 1000));
    }

    [Fact]
    public void Given_a_transient_NVML_timeout_When_sampled_Then_the_batch_is_retried_and_the_reading_is_good()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { RetryAttempts = 1 });
        nvml.Gpus[0].FailNext("nvmlDeviceGetMemoryInfo", NvmlReturn.Timeout, 1);

        var r = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Null(r.Unavailable);
        Assert.Equal(2, nvml.Calls("nvmlDeviceGetMemoryInfo"));
    }

    [Fact]
    public void Given_a_lost_GPU_When_sampled_with_retries_on_Then_it_is_not_retried()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { RetryAttempts = 2 });
        nvml.Gpus[0].Failures["*"] = NvmlReturn.GpuIsLost;

        h.Sampler.SampleOnce();

        Assert.Equal(1, nvml.Calls("nvmlDeviceGetMemoryInfo"));
    }

    [Fact]
    public async Task Given_an_NVML_call_that_hangs_When_the_batch_times_out_Then_the_GPU_is_NA_and_sampling_resumes_once_it_returns()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { RetryAttempts = 0, CallTimeout = TimeSpan.FromSeconds(2) });
        h.Sampler.SampleOnce();
        var goodAt = h.Time.GetUtcNow();
        nvml.HangOn("nvmlDeviceGetPowerUsage");

        var sampling = Task.Factory.StartNew(() => h.Sampler.SampleOnce(), TaskCreationOptions.LongRunning);
        await AdvanceUntil(h.Time, () => sampling.IsCompleted);
        var hung = (await sampling).Gpus.Gpus[0];

        Assert.Contains("timed out", hung.Unavailable);
        Assert.Equal(goodAt, hung.LastGoodSample);
        Assert.Equal(1, h.Sampler.HungCalls);

        nvml.ReleaseHang();
        await WaitUntil(() => h.Sampler.HungCalls == 0);
        var back = h.Sampler.SampleOnce().Gpus.Gpus[0];
        Assert.Null(back.Unavailable);
    }

    [Fact]
    public async Task Given_as_many_hung_calls_as_allowed_When_sampled_again_Then_no_new_call_is_made_and_the_GPU_says_why()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { RetryAttempts = 0, MaxHungCalls = 1 });
        h.Sampler.SampleOnce();
        nvml.HangOn("nvmlDeviceGetPowerUsage");
        var sampling = Task.Factory.StartNew(() => h.Sampler.SampleOnce(), TaskCreationOptions.LongRunning);
        await AdvanceUntil(h.Time, () => sampling.IsCompleted);

        var r = h.Sampler.SampleOnce().Gpus.Gpus[0];

        Assert.Contains("still hung", r.Unavailable);
        Assert.Equal(2, nvml.Calls("nvmlDeviceGetPowerUsage"));
    }

    [Fact]
    public async Task Given_nvmlInit_hangs_When_sampled_Then_the_snapshot_is_unavailable_with_a_timeout_reason()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        using var h = new SamplerHarness(nvml, SamplerHarness.Options() with { RetryAttempts = 0 });
        nvml.HangOn("nvmlInit_v2");

        var sampling = Task.Factory.StartNew(() => h.Sampler.SampleOnce(), TaskCreationOptions.LongRunning);
        await AdvanceUntil(h.Time, () => sampling.IsCompleted);
        var gpus = (await sampling).Gpus;

        Assert.Empty(gpus.Gpus);
        Assert.Contains("NVML unavailable", gpus.Unavailable);
        Assert.Contains("timed out", gpus.Unavailable);
    }

    [Fact]
    public void Given_NVML_fails_to_start_three_times_When_sampling_goes_on_Then_the_NVML_wide_breaker_opens()
    {
        var nvml = SimulatedNvml.WithGpus(1);
        nvml.InitResult = NvmlReturn.DriverNotLoaded;
        using var h = new SamplerHarness(nvml, BreakerOptions());

        for (var i = 0; i < 4; i++) { h.Sampler.SampleOnce(); h.Time.Advance(Second); }

        var opened = Assert.Single(h.Drain().OfType<TelemetryBreakerChanged>());
        Assert.Equal((-1, "Open"), (opened.GpuIndex, opened.State));
        Assert.Equal(3, nvml.Calls("nvmlInit_v2"));
    }

    /// <summary>Moves the manual clock in half-second steps (with real pauses for the worker threads) until the condition holds.</summary>
    private static async Task AdvanceUntil(ManualTimeProvider time, Func<bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "the sampler did not give up on the hung call");
            await Task.Delay(20, TestContext.Current.CancellationToken);
            time.Advance(TimeSpan.FromMilliseconds(500));
        }
    }

    private static async Task WaitUntil(Func<bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
