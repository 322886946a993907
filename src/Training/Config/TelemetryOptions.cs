namespace DeltaTui.Training.Config;

/// <summary>
/// GPU (NVML) and host sampling: the <c>telemetry</c> section of the configuration. Why a type of its own beside the
/// sampler's <see cref="DeltaTui.Telemetry.TelemetryOptions"/>: every property of a section record is a settable key
/// (<see cref="ConfigSchema"/>), written in whole milliseconds and range-checked by the Config attributes, which the
/// Telemetry project (below Training) cannot reference; the sampler's type holds TimeSpans and tuning (breaker, retries,
/// history, procfs root) that is not user-facing. So this record is the user-facing schema only, and
/// <see cref="ToSamplerOptions"/> is the one place it becomes the runtime type.
/// </summary>
public sealed record TelemetryOptions
{
    /// <summary>False turns GPU and host sampling off.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Milliseconds between samples.</summary>
    [ConfigRange(50, 3_600_000)]
    public int IntervalMs { get; init; } = 1000;

    /// <summary>Milliseconds one batch of NVML calls may take before it is abandoned and reported N/A.</summary>
    [ConfigRange(1, 60_000)]
    public int CallTimeoutMs { get; init; } = 250;

    /// <summary>The sampler's options: the configured interval and call timeout, the sampler's defaults for the rest.</summary>
    public DeltaTui.Telemetry.TelemetryOptions ToSamplerOptions() => new()
    {
        Interval = TimeSpan.FromMilliseconds(IntervalMs),
        CallTimeout = TimeSpan.FromMilliseconds(CallTimeoutMs),
    };
}
