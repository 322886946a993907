using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Data;

/// <summary>
/// A batch of B pairs as model input, laid out <c>[chosen; rejected]</c> along the batch dimension: row i is
/// pair i's prompt + chosen answer, row B + i the same prompt + rejected answer. Rows are right-padded to the
/// longest of the 2B sequences. All three tensors are int64 <c>[2B, T]</c>:
/// <list type="bullet">
/// <item><see cref="InputIds"/>: token ids, <c>padId</c> after the end of each sequence.</item>
/// <item><see cref="AttentionMask"/>: 1 on real tokens, 0 on padding (Hugging Face's convention).</item>
/// <item><see cref="CompletionMask"/>: 1 on the completion tokens that are scored, 0 on prompt and padding.
/// Position t with mask 1 contributes log p(input_ids[t] | input_ids[&lt; t]) — the label is the token at t
/// itself, not t + 1 — which is what <c>CompletionLogProbs(hidden, inputIds, completionMask)</c> sums. Every
/// sequence keeps at least one prompt token, so the mask is 0 at t = 0.</item>
/// </list>
/// </summary>
public sealed class PreferenceBatchTensors : IDisposable
{
    internal PreferenceBatchTensors(Tensor inputIds, Tensor attentionMask, Tensor completionMask, int pairCount)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        CompletionMask = completionMask;
        PairCount = pairCount;
    }

    public Tensor InputIds { get; }

    public Tensor AttentionMask { get; }

    public Tensor CompletionMask { get; }

    /// <summary>B: the number of pairs; the tensors have 2B rows.</summary>
    public int PairCount { get; }

    public long SequenceLength => InputIds.shape[1];

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        CompletionMask.Dispose();
    }

    internal static PreferenceBatchTensors Create(IReadOnlyList<PreferencePair> pairs, int padId, Device? device)
    {
        var b = pairs.Count;
        var t = pairs.Max(p => Math.Max(p.ChosenLength, p.RejectedLength));
        var ids = new long[2 * b * t];
        var attention = new long[ids.Length];
        var completion = new long[ids.Length];
        Array.Fill(ids, padId);
        for (var i = 0; i < b; i++)
        {
            var pair = pairs[i];
            Write(i, pair.ChosenIds.AsSpan());
            Write(b + i, pair.RejectedIds.AsSpan());

            void Write(int row, ReadOnlySpan<int> answer)
            {
                var at = row * t;
                var prompt = pair.PromptIds.AsSpan();
                for (var k = 0; k < prompt.Length; k++, at++)
                {
                    ids[at] = prompt[k];
                    attention[at] = 1;
                }

                for (var k = 0; k < answer.Length; k++, at++)
                {
                    ids[at] = answer[k];
                    attention[at] = 1;
                    completion[at] = 1;
                }
            }
        }

        long[] shape = [2L * b, t];
        return new PreferenceBatchTensors(
            torch.tensor(ids, shape, ScalarType.Int64, device),
            torch.tensor(attention, shape, ScalarType.Int64, device),
            torch.tensor(completion, shape, ScalarType.Int64, device),
            b);
    }
}
