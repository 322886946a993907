using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// accumulator = keep · accumulator + weight · grad² for each (parameter name, accumulator), in one pass over the
/// gradients (the native optimizer's plan knows every gradient's address). Returns false, having changed nothing,
/// when it cannot; the caller then does the same per tensor.
/// </summary>
public delegate bool GradientSquaresPass(IReadOnlyList<(string Name, Tensor Accumulator)> accumulators, double keep, double weight);
