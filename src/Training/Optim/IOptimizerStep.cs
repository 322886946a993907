using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// What the trainer needs from an optimizer: a step with global clipping and non-finite
/// detection (a non-finite step is skipped, nothing changes), zeroing gradients, the
/// Momentum score for masks, and state for resume.
/// </summary>
public interface IOptimizerStep : IDisposable
{
    /// <summary>"adamw", or "bsr-adamw/&lt;backend&gt;".</summary>
    string Name { get; }

    /// <summary>Applied steps so far.</summary>
    long StepCount { get; }

    /// <param name="precomputedGradNorm">
    /// The global gradient L2 norm as a scalar on the gradients' device, when the caller has already computed it
    /// and checked that it is finite; an optimizer may clip with it instead of measuring the norm again (and then
    /// reports <see cref="OptimizerStepResult.GradNorm"/> as NaN). Null: the optimizer measures the norm itself.
    /// </param>
    OptimizerStepResult Step(double learningRate, double maxGradNorm, Tensor? precomputedGradNorm = null);

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
