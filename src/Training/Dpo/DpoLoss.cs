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
        var beta = options.Beta;
        var eps = options.LabelSmoothing;

        var losses = options.Type switch
        {
            DpoLossType.Sigmoid => -F.logsigmoid(beta * delta) * (1 - eps) - F.logsigmoid(-beta * delta) * eps,
            DpoLossType.Ipo => (delta - 1.0 / (2.0 * beta)).square(),
            DpoLossType.Hinge => F.relu(1.0 - beta * delta),
            DpoLossType.Robust => (-F.logsigmoid(beta * delta) * (1 - eps) + F.logsigmoid(-beta * delta) * eps) / (1 - 2 * eps),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Type, "unknown loss type"),
        };
        var chosenRewards = (beta * chosenLogRatio).detach();
        var rejectedRewards = (beta * rejectedLogRatio).detach();
        return new DpoLossResult(losses.MoveToOuterDisposeScope(), chosenRewards.MoveToOuterDisposeScope(), rejectedRewards.MoveToOuterDisposeScope());
    }
}
