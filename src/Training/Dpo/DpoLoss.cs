using DeltaTui.Torch.Runtime;
using DeltaTui.Training.Config;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// The DPO family of losses as pure functions of the four log-prob vectors, written to match
/// TRL's DPOTrainer.dpo_loss so numbers are comparable with what users know.
/// Δ = (log πθ(y⁺) − log πref(y⁺)) − (log πθ(y⁻) − log πref(y⁻)).
/// </summary>
public static class DpoLoss
{
    public static DpoLossResult Compute(DpoLossOptions options, DpoLogProbs logProbs)
    {
        options.Validate();
        using var scope = NewDisposeScope();
        var (policyChosen, policyRejected, referenceChosen, referenceRejected) = options.Type == DpoLossType.Ipo
            // IPO's margin target 1/(2β) is defined per token, so it works on length-averaged log-probs (as TRL does).
            ? (logProbs.PolicyChosen / logProbs.ChosenTokenCounts, logProbs.PolicyRejected / logProbs.RejectedTokenCounts,
               logProbs.ReferenceChosen / logProbs.ChosenTokenCounts, logProbs.ReferenceRejected / logProbs.RejectedTokenCounts)
            : (logProbs.PolicyChosen, logProbs.PolicyRejected, logProbs.ReferenceChosen, logProbs.ReferenceRejected);

        var chosenLogRatio = policyChosen - referenceChosen;
        var rejectedLogRatio = policyRejected - referenceRejected;
        var delta = chosenLogRatio - rejectedLogRatio;
        var beta = Scalars.Of(options.Beta);
        var minusBeta = Scalars.Of(-options.Beta);
        var eps = options.LabelSmoothing;
        var keep = Scalars.Of(1 - eps);
        var flip = Scalars.Of(eps);

        var losses = options.Type switch
        {
            DpoLossType.Sigmoid => -F.logsigmoid(beta * delta) * keep - F.logsigmoid(minusBeta * delta) * flip,
            DpoLossType.Ipo => (delta - Scalars.Of(1.0 / (2.0 * options.Beta))).square(),
            DpoLossType.Hinge => F.relu((minusBeta * delta).Plus(1.0)),
            DpoLossType.Robust => (-F.logsigmoid(beta * delta) * keep).Plus(F.logsigmoid(minusBeta * delta) * flip) / Scalars.Of(1 - 2 * eps),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Type, "unknown loss type"),
        };
        var chosenRewards = (beta * chosenLogRatio).detach();
        var rejectedRewards = (beta * rejectedLogRatio).detach();
        return new DpoLossResult(losses.MoveToOuterDisposeScope(), chosenRewards.MoveToOuterDisposeScope(), rejectedRewards.MoveToOuterDisposeScope());
    }
}
