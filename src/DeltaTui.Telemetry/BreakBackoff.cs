namespace DeltaTui.Telemetry;

/// <summary>How long an open telemetry breaker pauses polling: doubling with each failed probe, capped.</summary>
public static class BreakBackoff
{
    /// <param name="failedProbes">Half-open probes that failed since the breaker last closed.</param>
    public static TimeSpan Duration(TelemetryOptions options, int failedProbes)
    {
        var factor = Math.Pow(2, Math.Clamp(failedProbes, 0, 30));
        var ticks = Math.Min(options.BreakDuration.Ticks * factor, options.MaxBreakDuration.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
