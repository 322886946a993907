namespace DeltaTui.Training.Config;

/// <summary>Resumable checkpoints in the run folder.</summary>
public sealed record CheckpointOptions
{
    /// <summary>Steps between checkpoints; 0 saves one only at the end (and when stopped).</summary>
    [ConfigRange(0, int.MaxValue)]
    public int SaveEvery { get; init; }
}
