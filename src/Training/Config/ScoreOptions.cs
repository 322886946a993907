namespace DeltaTui.Training.Config;

/// <summary>Saving the Magnitude, Momentum and Fisher score tensors.</summary>
public sealed record ScoreOptions
{
    /// <summary>Steps between scores-stepN.safetensors files; 0 saves them only at the end of the run.</summary>
    [ConfigRange(0, int.MaxValue)]
    public int SaveInterval { get; init; }
}
