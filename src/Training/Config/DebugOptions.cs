namespace DeltaTui.Training.Config;

/// <summary>Diagnostics that cost time and are off by default.</summary>
public sealed record DebugOptions
{
    /// <summary>True computes the detailed per-tensor Jaccard table and its log (also <c>--debug-jaccard</c>).</summary>
    public bool Jaccard { get; init; }
}
