namespace DeltaTui.Training.Config;

/// <summary>The per-tensor weight-delta log (delta_log.jsonl).</summary>
public sealed record DeltaOptions
{
    /// <summary>Steps between delta statistics (‖Δ‖, ‖Δ‖/‖θ0‖, max|Δ|, fraction updated); 0 turns the log off.</summary>
    [ConfigRange(0, int.MaxValue)]
    public int DeltaInterval { get; init; } = 10;

    /// <summary>|Δ| above which an entry counts as updated.</summary>
    [ConfigRange(0, double.MaxValue)]
    public double Tol { get; init; } = 1e-5;
}
