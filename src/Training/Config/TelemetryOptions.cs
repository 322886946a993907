namespace DeltaTui.Training.Config;

/// <summary>GPU (NVML) and host sampling.</summary>
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
}
