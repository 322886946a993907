namespace DeltaTui.Telemetry;

/// <summary>How often and how patiently telemetry polls. The defaults suit a 1 Hz dashboard.</summary>
public sealed record TelemetryOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one batch of NVML calls for one device may take before it is abandoned and reported N/A.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// PCIe throughput and the process list are read on every Nth sample only, and repeated in
    /// between: they are the costly calls (the PCIe counters sample for 20 ms each) and change
    /// slowly for a training run. 1 reads them every sample.
    /// </summary>
    public int SlowFieldsEvery { get; init; } = 5;

    /// <summary>Readings kept per GPU (and for the host) for sparklines.</summary>
    public int HistoryLength { get; init; } = 300;

    /// <summary>The breaker opens when this share of the batches in <see cref="BreakerSamplingDuration"/> failed...</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>...and at least this many batches ran in it.</summary>
    public int BreakerMinimumThroughput { get; init; } = 3;

    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First pause of a failing device; each failed probe doubles it up to <see cref="MaxBreakDuration"/>.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBreakDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Immediate re-tries of a batch that failed transiently (NVML_ERROR_TIMEOUT, _UNKNOWN, _IN_USE); 0 disables.</summary>
    public int RetryAttempts { get; init; } = 1;

    /// <summary>First retry delay, doubled for each further attempt.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Abandoned NVML calls still blocked in the driver beyond which no new worker thread is started.</summary>
    public int MaxHungCalls { get; init; } = 4;

    /// <summary>The value of CUDA_VISIBLE_DEVICES to honour (null: every device).</summary>
    public string? CudaVisibleDevices { get; init; } = Environment.GetEnvironmentVariable(Telemetry.CudaVisibleDevices.VariableName);

    /// <summary>Where procfs is mounted.</summary>
    public string ProcRoot { get; init; } = "/proc";

    public void Validate()
    {
        if (Interval <= TimeSpan.Zero) throw new ArgumentException($"telemetry interval must be positive, got {Interval}", nameof(Interval));
        if (CallTimeout <= TimeSpan.Zero) throw new ArgumentException($"telemetry call timeout must be positive, got {CallTimeout}", nameof(CallTimeout));
        if (HistoryLength < 1) throw new ArgumentException($"telemetry history length must be at least 1, got {HistoryLength}", nameof(HistoryLength));
        if (BreakerFailureRatio is <= 0 or > 1) throw new ArgumentException($"breaker failure ratio must be in (0, 1], got {BreakerFailureRatio}", nameof(BreakerFailureRatio));
        if (BreakerMinimumThroughput < 2) throw new ArgumentException($"breaker minimum throughput must be at least 2, got {BreakerMinimumThroughput}", nameof(BreakerMinimumThroughput));
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException($"breaker sampling duration must be at least 500 ms, got {BreakerSamplingDuration}", nameof(BreakerSamplingDuration));
        if (BreakDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException($"break duration must be at least 500 ms, got {BreakDuration}", nameof(BreakDuration));
        if (MaxBreakDuration < BreakDuration) throw new ArgumentException($"max break duration {MaxBreakDuration} is below the break duration {BreakDuration}", nameof(MaxBreakDuration));
        if (SlowFieldsEvery < 1) throw new ArgumentException($"slow fields interval must be at least 1 sample, got {SlowFieldsEvery}", nameof(SlowFieldsEvery));
        if (RetryAttempts < 0) throw new ArgumentException($"retry attempts must not be negative, got {RetryAttempts}", nameof(RetryAttempts));
        if (MaxHungCalls < 1) throw new ArgumentException($"max hung calls must be at least 1, got {MaxHungCalls}", nameof(MaxHungCalls));
    }
}
