using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace DeltaTui.Telemetry;

/// <summary>
/// The Polly pipeline around one device's batch (or NVML's start-up, index -1), outermost first:
/// a retry for transient driver errors, a circuit breaker that stops polling a failing device and
/// probes it again after a pause that doubles with each failed probe, and a timeout per attempt.
/// </summary>
internal static class TelemetryResilience
{
    public static ResiliencePipeline Build(
        TelemetryOptions options, TimeProvider time, int gpuIndex, Action<int, string, string> onBreakerChanged)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time, Name = $"telemetry-gpu{gpuIndex}" };
        if (options.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.RetryAttempts,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle<NvmlException>(e => NvmlReturnNames.IsTransient(e.Code)),
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDurationGenerator = args => new ValueTask<TimeSpan>(BreakBackoff.Duration(options, args.HalfOpenAttempts)),
            ShouldHandle = new PredicateBuilder()
                .Handle<NvmlException>()
                .Handle<TimeoutRejectedException>()
                .Handle<NvmlCallsHungException>(),
            OnOpened = args =>
            {
                onBreakerChanged(gpuIndex, "Open", $"{Describe(args.Outcome.Exception)}; pausing for {args.BreakDuration.TotalSeconds:0.#} s");
                return default;
            },
            OnHalfOpened = _ =>
            {
                onBreakerChanged(gpuIndex, "HalfOpen", "pause over; probing");
                return default;
            },
            OnClosed = _ =>
            {
                onBreakerChanged(gpuIndex, "Closed", "answering again");
                return default;
            },
        });
        builder.AddTimeout(options.CallTimeout);
        return builder.Build();
    }

    public static string Describe(Exception? e) => e switch
    {
        null => "failed",
        TimeoutRejectedException t => $"NVML call timed out ({t.Timeout.TotalSeconds:0.###} s) and was abandoned",
        BrokenCircuitException => "paused after repeated failures",
        _ => e.Message,
    };
}
