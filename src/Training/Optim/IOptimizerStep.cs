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
    /// The global L2 norm of all gradients as a float32 scalar on the parameters' device, when this optimizer
    /// can compute it in one pass over every gradient without a host sync; null when it cannot (the caller
    /// then computes it tensor by tensor).
    /// </summary>
    Tensor? GlobalGradNorm();

    /// <summary>Zeroes gradients in place (their memory stays where the native optimizer expects it).</summary>
    void ZeroGrad();

    /// <summary>
    /// For each (parameter name, accumulator): accumulator = keep · accumulator + weight · grad² in one pass over the
    /// gradients, without a host sync, when this optimizer can (the native one: one launch instead of two ops per
    /// tensor). False when it cannot; nothing is changed then and the caller does it tensor by tensor.
    /// </summary>
    bool TryAccumulateGradientSquares(IReadOnlyList<(string Name, Tensor Accumulator)> accumulators, double keep, double weight);

    /// <summary>
    /// Momentum score |m̂| / (√v̂ + ε) of a parameter, full shape, fp32, on the parameter's device
    /// (zero where the optimizer holds no state: frozen blocks, before the first step).
    /// </summary>
    Tensor MomentumScore(string parameterName);

    void SaveState(BinaryWriter writer);

    void LoadState(BinaryReader reader);
}
