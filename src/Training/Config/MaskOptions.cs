using DeltaTui.Training.Masks;

namespace DeltaTui.Training.Config;

/// <summary>
/// How Magnitude, Momentum and Fisher masks are built, compared and saved: the <c>masks</c> section of the
/// configuration and the options the mask code cuts masks with (one type for both). The kept count is
/// round((1 − sparsity) × units), where a unit is an element or a block; with partial edge blocks the element
/// fraction can differ slightly from the block fraction.
/// </summary>
public sealed record MaskOptions
{
    /// <summary>The block edges <see cref="BlockSize"/> may take.</summary>
    public static readonly IReadOnlyList<int> BlockSizes = [16, 32, 64, 128];

    /// <summary>Fraction of entries a mask drops; it keeps the top (1 − sparsity) by score.</summary>
    [ConfigRange(0, 1, MaximumIsExclusive = true)]
    public double Sparsity { get; init; } = 0.9;

    /// <summary><c>global</c>, <c>per-tensor</c> or <c>hybrid</c> (global with a per-tensor floor).</summary>
    public MaskScope Scope { get; init; } = MaskScope.Global;

    /// <summary>Fraction every tensor keeps at least under the <c>hybrid</c> scope.</summary>
    [ConfigRange(0, 1)]
    public double HybridFloor { get; init; } = 0.0025;

    /// <summary><c>element</c> or <c>block</c> selection.</summary>
    public MaskGranularity Granularity { get; init; } = MaskGranularity.Element;

    /// <summary>Block edge for <c>block</c> granularity (16, 32, 64 or 128).</summary>
    [ConfigOneOf(16, 32, 64, 128)]
    public int BlockSize { get; init; } = 32;

    /// <summary>True lets the embedding matrix take part (by default only the other 2-D weights do).</summary>
    public bool IncludeEmbeddings { get; init; }

    /// <summary>Steps between live rebuilds and IoU comparisons of the three masks; 0 builds them only at the end.</summary>
    [ConfigRange(0, int.MaxValue)]
    public int MaskInterval { get; init; } = 50;

    /// <summary>Folder that receives &lt;run-name&gt;/&lt;method&gt;-step&lt;N&gt;.pt mask files.</summary>
    public string OutputDir { get; init; } = "masks";

    /// <summary>Checks the cut options for callers that did not come through the configuration loader (which checks them by attribute).</summary>
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
