using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// B preference pairs as 2B padded sequences: rows 0..B−1 are prompt+chosen, rows B..2B−1 the same
/// prompts + rejected, so policy and reference each score the whole batch in one forward.
/// </summary>
/// <param name="InputIds">[2B,T] int64.</param>
/// <param name="AttentionMask">[2B,T] int64, 1 for real tokens.</param>
/// <param name="CompletionMask">[2B,T] int64, 1 on completion tokens (prompt and padding never count).</param>
/// <param name="PairIds">The stable index of each pair in its split, for cached reference log-probs.</param>
/// <param name="TokenCount">Real (non-padding) tokens in the batch, for tokens/s, known on the host without a device sync.</param>
public sealed record DpoBatch(Tensor InputIds, Tensor AttentionMask, Tensor CompletionMask, IReadOnlyList<int> PairIds, long TokenCount) : IDisposable
{
    public int Pairs => PairIds.Count;

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        CompletionMask.Dispose();
    }
}
