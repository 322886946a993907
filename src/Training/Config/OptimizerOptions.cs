using DeltaTui.Training.Optim;

namespace DeltaTui.Training.Config;

/// <summary>The optimizer, its schedule and gradient clipping.</summary>
public sealed record OptimizerOptions
{
    /// <summary>
    /// <c>adamw</c> (dense; native fused kernel when the library loads, TorchSharp's AdamW otherwise) or
    /// <c>bsr-adamw</c> (block-sparse, native kernel when the library loads).
    /// </summary>
    public OptimizerType Type { get; init; } = OptimizerType.AdamW;

    /// <summary>Peak learning rate, reached at the end of the warm-up.</summary>
    [ConfigRange(0, 10, MinimumIsExclusive = true)]
    public double Lr { get; init; } = 5e-6;

    /// <summary>AdamW's (β1, β2): decay rates of the first and second moment estimates.</summary>
    public IReadOnlyList<double> Betas { get; init; } = [0.9, 0.999];

    /// <summary>Term added to √v̂ to keep the update finite.</summary>
    [ConfigRange(0, 1, MinimumIsExclusive = true)]
    public double Eps { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay (in BSR-AdamW applied to active blocks only).</summary>
    [ConfigRange(0, 1)]
    public double WeightDecay { get; init; }

    /// <summary>Steps of linear warm-up from 0 to <see cref="Lr"/>.</summary>
    [ConfigRange(0, int.MaxValue)]
    public int WarmupSteps { get; init; } = 10;

    /// <summary>Shape after warm-up: <c>cosine</c> or <c>constant</c>.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Global gradient-norm clipping threshold; 0 turns clipping off.</summary>
    [ConfigRange(0, double.MaxValue)]
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Block edge B of BSR-AdamW's B×B tiles (16, 32, 64 or 128).</summary>
    [ConfigOneOf(16, 32, 64, 128)]
    public int BsrBlockSize { get; init; } = 32;

    /// <summary>
    /// Fraction of blocks BSR-AdamW keeps active per 2-D weight: round(density × blocks), at least one
    /// (1.0 is dense AdamW through the same code). The first selection scores blocks by the mean |g| of
    /// the first minibatch gradient; re-selections by the mean accumulated Fisher score (running mean of g²).
    /// </summary>
    [ConfigRange(0, 1, MinimumIsExclusive = true)]
    public double BsrDensity { get; init; } = 0.1;

    /// <summary>Steps between re-selections of BSR-AdamW's active blocks (new blocks start with zero moments); 0 keeps the first selection.</summary>
    [ConfigRange(0, int.MaxValue)]
    public int ReselectEvery { get; init; }

    /// <summary>
    /// A .pt mask file (e.g. masks/&lt;dense run&gt;/magnitude-stepN.pt of an earlier dense run) whose kept elements,
    /// pooled to <see cref="BsrBlockSize"/> blocks, are BSR-AdamW's active set from the first step: per weight the
    /// round(bsr_density × blocks) blocks holding the largest share of the mask, never a block it does not touch;
    /// weights it does not name stay frozen. With <see cref="ReselectEvery"/> 0 the set is fixed, otherwise Fisher
    /// re-selects from there. The live IoU then also compares this run's masks with it. Needs type bsr-adamw; null: none.
    /// </summary>
    public string? ActiveFrom { get; init; }
}
