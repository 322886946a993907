using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Passes over every gradient at once (one launch on CUDA instead of one or two ops per tensor): zeroing, folding
/// squares into running means (the Fisher score), and the global norm. Each says when it cannot (false or null,
/// having changed nothing); the caller then does the same tensor by tensor.
/// </summary>
public interface IGradientPasses
{
    /// <summary>Zeroes every gradient in place; false while a parameter has no gradient or one the pass cannot read.</summary>
    bool TryZeroGradients();

    /// <summary>
    /// For each (parameter name, accumulator): accumulator = keep · accumulator + weight · grad², element by element,
    /// without a host sync. Accumulators are float32, contiguous, of the parameter's shape and device. False when a
    /// name is not one of the pass's parameters or a parameter has no gradient it can read.
    /// </summary>
    bool TryAccumulateGradientSquares(IReadOnlyList<(string Name, Tensor Accumulator)> accumulators, double keep, double weight);

    /// <summary>
    /// √Σg² over every element of every gradient (frozen blocks included: the norm a training loop reports and checks
    /// for NaN) as a float32 scalar on the parameters' device, without a host sync; null when there is no such pass.
    /// </summary>
    Tensor? GlobalGradNorm();
}

/// <summary>No one-pass gradient work (TorchSharp's AdamW, the reference BSR-AdamW): every caller goes tensor by tensor.</summary>
public sealed class NoGradientPasses : IGradientPasses
{
    public static NoGradientPasses Instance { get; } = new();

    private NoGradientPasses() { }

    public bool TryZeroGradients() => false;

    public bool TryAccumulateGradientSquares(IReadOnlyList<(string Name, Tensor Accumulator)> accumulators, double keep, double weight) => false;

    public Tensor? GlobalGradNorm() => null;
}
