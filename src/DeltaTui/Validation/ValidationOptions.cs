using DeltaTui.Training.Config;
using DeltaTui.Gemma;

namespace DeltaTui.Validation;

/// <summary>
/// How much work <c>doctor --validate</c> does. The defaults are the full check: 100 BSR-AdamW steps on every
/// Gemma-3 270M weight (embedding included) and 50 DPO steps of the embedded default; fewer layers and steps
/// make it fit a CPU or a test.
/// </summary>
public sealed record ValidationOptions
{
    /// <summary><c>auto</c> (CUDA when available, else the CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Steps of the fp32 BSR-AdamW comparison; the bf16 pass takes a fifth of them.</summary>
    public int BsrSteps { get; init; } = 100;

    /// <summary>Decoder layers of the 270M shapes to validate on.</summary>
    public int Layers { get; init; } = Gemma270mWeightShapes.Layers;

    /// <summary>Include the 262,144 × 640 embedding (167M of the 268M parameters).</summary>
    public bool Embedding { get; init; } = true;

    /// <summary>DPO steps of the embedded default run.</summary>
    public int DpoSteps { get; init; } = 50;

    /// <summary>The embedded default's config file.</summary>
    public string DefaultConfigPath { get; init; } = ConfigPaths.Demo;

    /// <summary>Seeds the random weights, gradients and active blocks of the BSR-AdamW comparison.</summary>
    public ulong Seed { get; init; } = 20260;

    /// <summary>Steps of the bf16 + fp32-master pass: a fifth of the fp32 ones, at least one.</summary>
    public int Bf16Steps => Math.Max(1, BsrSteps / 5);

    public void Validate()
    {
        if (BsrSteps < 1) throw new ArgumentException($"the BSR-AdamW comparison needs at least 1 step, got {BsrSteps}");
        if (Layers is < 0 or > Gemma270mWeightShapes.Layers)
            throw new ArgumentException($"Gemma-3 270M has {Gemma270mWeightShapes.Layers} decoder layers; got {Layers}");
        if (Layers == 0 && !Embedding) throw new ArgumentException("with no layers and no embedding there is no 2-D weight to validate BSR-AdamW on");
        if (DpoSteps < 2) throw new ArgumentException($"the DPO check needs at least 2 steps to see the loss decrease, got {DpoSteps}");
    }
}
