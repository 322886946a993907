using DeltaTui.Training.Dpo;

namespace DeltaTui.Training.Config;

/// <summary>The DPO objective.</summary>
public sealed record DpoOptions
{
    /// <summary>Loss variant: <c>sigmoid</c>, <c>ipo</c>, <c>hinge</c> or <c>robust</c>.</summary>
    public DpoLossType Loss { get; init; } = DpoLossType.Sigmoid;

    /// <summary>Strength β of the implicit KL penalty towards the reference.</summary>
    [ConfigRange(0, 1000, MinimumIsExclusive = true)]
    public double Beta { get; init; } = 0.1;

    /// <summary>Assumed fraction ε of flipped preference labels (the <c>robust</c> loss); must stay below 0.5.</summary>
    [ConfigRange(0, 0.5, MaximumIsExclusive = true)]
    public double LabelSmoothing { get; init; }

    /// <summary>Reference policy: <c>frozen</c> copy or <c>precomputed</c> log-probs.</summary>
    public ReferenceMode Reference { get; init; } = ReferenceMode.Frozen;

    /// <summary>Folder for precomputed reference log-probs, keyed by model and data fingerprint.</summary>
    public string ReferenceCacheDir { get; init; } = "runs/.reference-cache";

    /// <summary>
    /// Issue a frozen reference's forward from a second thread while the policy's forward is issued
    /// (CUDA only). Off by default: it paid while the log-probs ran as many small TorchSharp ops, but
    /// with the native token log-prob kernels two issuing threads contend more than they overlap
    /// (H200, 2026-12-01: 142 ms per step overlapped, 126 ms one after the other; docs/results.md).
    /// </summary>
    public bool OverlapReference { get; init; }
}
