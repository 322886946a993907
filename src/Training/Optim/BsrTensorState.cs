using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Optimizer state of one parameter: moments [nnz, B, B] for a blocked weight (its layout
/// given) or the parameter's element count for a dense one; the fp32 master for bf16 weights.
/// </summary>
public sealed record BsrTensorState(string Name, BlockLayout? Layout, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? Master);
