using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// What the trainer needs from an optimizer: a step with global clipping and non-finite
/// detection (a non-finite step is skipped, nothing changes), zeroing gradients, the
/// Momentum score for masks, and state for resume.
/// </summary>
public interface IOptimizerStep : IDisposable
{
    /// <summary>"adamw/&lt;backend&gt;" or "bsr-adamw/&lt;backend&gt;" (backend: native-cuda, native-cpu, torch, reference).</summary>
    string Name { get; }

    /// <summary>Applied steps so far.</summary>
    long StepCount { get; }

    /// <summary>One step with the gradients now in the parameters' .grad, clipped to a global L2 norm of <paramref name="maxGradNorm"/> (0: no clipping).</summary>
    /// <param name="precomputedGradNorm">
    /// The global L2 norm of all gradients, one float32 element on the parameters' device, when the caller
    /// already computed it: dense AdamW then clips with it instead of computing the norm again. BSR-AdamW
    /// with inactive blocks ignores it: its clipping norm is the norm over active blocks only.
    /// </param>
    OptimizerStepResult Step(double learningRate, double maxGradNorm, Tensor? precomputedGradNorm = null);

    /// <summary>
    /// Passes over every gradient at once where this optimizer has them (the native one: one launch each): the global
    /// L2 norm without a host sync, and squares folded into accumulators (Fisher). Where it has none, they say so and
    /// the caller goes tensor by tensor.
    /// </summary>
    IGradientPasses Gradients { get; }

    /// <summary>Zeroes gradients in place (their memory stays where the native optimizer expects it).</summary>
    void ZeroGrad();

    /// <summary>
    /// Momentum score |m̂| / (√v̂ + ε) of a parameter, full shape, fp32, on the parameter's device
    /// (zero where the optimizer holds no state: frozen blocks, before the first step).
    /// </summary>
    Tensor MomentumScore(string parameterName);

    void SaveState(BinaryWriter writer);

    void LoadState(BinaryReader reader);
}
