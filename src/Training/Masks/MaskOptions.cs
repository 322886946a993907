namespace DeltaTui.Training.Masks;

public enum MaskScope
{
    /// <summary>One ranking over all participating tensors.</summary>
    Global,

    /// <summary>Each tensor keeps the same fraction.</summary>
    PerTensor,

    /// <summary>Global, but every tensor keeps at least <see cref="MaskOptions.HybridFloor"/> of its units.</summary>
    Hybrid,
}

public enum MaskGranularity
{
    Element,

    /// <summary>B×B tiles over the last two dimensions, scored by the mean of their entries.</summary>
    Block,
}

/// <summary>
/// How a mask is cut from a score. The kept count is round((1 − sparsity) × units), where a unit is an
/// element or a block; with partial edge blocks the element fraction can differ slightly from the block fraction.
/// </summary>
public sealed record MaskOptions(
    double Sparsity,
    MaskScope Scope = MaskScope.Global,
    MaskGranularity Granularity = MaskGranularity.Element,
    int BlockSize = 32,
    double HybridFloor = 0.0025)
{
    public static readonly IReadOnlyList<int> BlockSizes = [16, 32, 64, 128];

    public void Validate()
    {
        if (double.IsNaN(Sparsity) || Sparsity is < 0 or > 1)
            throw new ArgumentException($"sparsity must be in [0, 1], got {Sparsity}.");
        if (Granularity == MaskGranularity.Block && !BlockSizes.Contains(BlockSize))
            throw new ArgumentException($"block size must be one of {string.Join(", ", BlockSizes)}, got {BlockSize}.");
        if (double.IsNaN(HybridFloor) || HybridFloor is < 0 or > 1)
            throw new ArgumentException($"hybrid floor must be in [0, 1], got {HybridFloor}.");
    }

    public static long KeptCount(double sparsity, long units) =>
        Math.Clamp((long)Math.Round((1.0 - sparsity) * units, MidpointRounding.AwayFromZero), 0, units);
}

public static class MaskOptionNames
{
    public static string ToName(this MaskScope scope) => scope switch
    {
        MaskScope.Global => "global",
        MaskScope.PerTensor => "per-tensor",
        MaskScope.Hybrid => "hybrid",
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static string ToName(this MaskGranularity granularity) => granularity switch
    {
        MaskGranularity.Element => "element",
        MaskGranularity.Block => "block",
        _ => throw new ArgumentOutOfRangeException(nameof(granularity)),
    };

    public static MaskScope ParseScope(string text) => text.Trim().ToLowerInvariant() switch
    {
        "global" => MaskScope.Global,
        "per-tensor" or "per_tensor" or "pertensor" => MaskScope.PerTensor,
        "hybrid" => MaskScope.Hybrid,
        _ => throw new ArgumentException($"Unknown scope '{text}'; expected global, per-tensor or hybrid."),
    };

    public static MaskGranularity ParseGranularity(string text) => text.Trim().ToLowerInvariant() switch
    {
        "element" => MaskGranularity.Element,
        "block" => MaskGranularity.Block,
        _ => throw new ArgumentException($"Unknown granularity '{text}'; expected element or block."),
    };
}
