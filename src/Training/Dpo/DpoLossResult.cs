using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Per-pair losses and implicit rewards β·(log πθ − log πref), all [B]. Losses carry the autograd
/// graph; the rewards are detached. Owns its tensors.
/// </summary>
public sealed class DpoLossResult(Tensor losses, Tensor chosenRewards, Tensor rejectedRewards) : IDisposable
{
    public Tensor Losses { get; } = losses;
    public Tensor ChosenRewards { get; } = chosenRewards;
    public Tensor RejectedRewards { get; } = rejectedRewards;

    public void Dispose()
    {
        Losses.Dispose();
        ChosenRewards.Dispose();
        RejectedRewards.Dispose();
    }
}
