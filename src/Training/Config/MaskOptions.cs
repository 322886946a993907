namespace DeltaTui.Training.Config;

/// <summary>How Magnitude, Momentum and Fisher masks are built, compared and saved.</summary>
public sealed record MaskOptions
{
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
}
