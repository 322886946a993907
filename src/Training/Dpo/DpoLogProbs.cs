using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Summed completion log-probs of one batch of pairs, all [B] fp32, with the completion token
/// counts the IPO loss needs for its length-averaged log-probs. Does not own the tensors.
/// </summary>
public sealed record DpoLogProbs(
    Tensor PolicyChosen, Tensor PolicyRejected,
    Tensor ReferenceChosen, Tensor ReferenceRejected,
    Tensor ChosenTokenCounts, Tensor RejectedTokenCounts);
