using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Exact top-k over several flat fp32 score tensors treated as one concatenated sequence, on
/// whatever device they live. Ties at the threshold go to the lowest global index (tensor order,
/// then position), so the same scores always give the same mask. Memory stays bounded: a two-pass
/// radix select over the 33-bit <see cref="OrderKeys"/> (computed chunk by chunk, never stored)
/// finds the exact k-th score with bincounts, then ties are resolved with per-chunk counts.
/// Scores must be finite or +∞ (callers check); −∞ marks units that must not be chosen.
/// </summary>
public static class TopKSelector
{
    private const long ChunkElements = 1L << 23;
    private const int HighShift = 17;
    private const int HighBuckets = (1 << (OrderKeys.Bits - HighShift)) + 1;
    private const int LowBuckets = 1 << HighShift;

    /// <param name="scores">Flat (1-D) score tensors, fp32 or convertible.</param>
    /// <param name="allowCpuRadix">Use <see cref="CpuRadixSelect"/> for contiguous fp32 CPU scores (off only to check one path against the other).</param>
    public static Tensor[] Select(IReadOnlyList<Tensor> scores, long k, bool allowCpuRadix = true)
    {
        var total = scores.Sum(t => t.numel());
        if (k < 0 || k > total) throw new ArgumentOutOfRangeException(nameof(k), $"k={k} outside [0, {total}].");
        if (k == 0) return scores.Select(t => zeros_like(t, ScalarType.Bool)).ToArray();
        if (k == total) return scores.Select(t => ones_like(t, ScalarType.Bool)).ToArray();

        if (allowCpuRadix && CpuRadixSelect.Applies(scores)) return CpuRadixSelect.Select(scores, k);
        // Held for the whole selection: see Scalars for why a number must not be left to an implicit conversion.
        using var threshold = FindKthLargest(scores, k, out var countAbove).ToScalar();
        var remainingTies = k - countAbove;
        var result = new Tensor[scores.Count];
        using var scope = NewDisposeScope();
        var tieCounts = stack(scores.Select(t => t.eq(threshold).sum()).ToArray()).cpu().data<long>().ToArray();
        for (var i = 0; i < scores.Count; i++)
        {
            var mask = scores[i].gt(threshold);
            if (remainingTies > 0 && tieCounts[i] > 0)
            {
                var eq = scores[i].eq(threshold);
                if (tieCounts[i] <= remainingTies)
                {
                    mask.logical_or_(eq);
                    remainingTies -= tieCounts[i];
                }
                else
                {
                    var end = PositionOfNthTrue(eq, remainingTies) + 1;
                    mask.narrow(0, 0, end).logical_or_(eq.narrow(0, 0, end));
                    remainingTies = 0;
                }
            }
            result[i] = mask.MoveToOuterDisposeScope();
        }
        return result;
    }

    // Returns the k-th largest score and how many scores are strictly greater.
    private static float FindKthLargest(IReadOnlyList<Tensor> scores, long k, out long countAbove)
    {
        long[] high;
        using (NewDisposeScope())
        {
            var counts = zeros(HighBuckets, ScalarType.Int64, scores[0].device);
            foreach (var chunk in Chunks(scores))
            {
                using var inner = NewDisposeScope();
                counts.add_(OrderKeys.From(chunk).bitwise_right_shift(HighShift).bincount(null, HighBuckets));
            }
            high = counts.cpu().data<long>().ToArray();
        }
        long prefix = CpuRadixSelect.PickBucket(high, k, out var above);
        using var prefixScalar = prefix.ToScalar();

        long[] low;
        using (NewDisposeScope())
        {
            var counts = zeros(LowBuckets, ScalarType.Int64, scores[0].device);
            foreach (var chunk in Chunks(scores))
            {
                using var inner = NewDisposeScope();
                var keys = OrderKeys.From(chunk);
                var inBucket = keys.masked_select(keys.bitwise_right_shift(HighShift).eq(prefixScalar));
                if (inBucket.numel() > 0)
                    counts.add_(inBucket.bitwise_and(LowBuckets - 1).bincount(null, LowBuckets));
            }
            low = counts.cpu().data<long>().ToArray();
        }
        var lowValue = CpuRadixSelect.PickBucket(low, k - above, out var aboveInBucket);
        countAbove = above + aboveInBucket;
        return OrderKeys.ToFloat((prefix << HighShift) | (long)lowValue);
    }

    private static IEnumerable<Tensor> Chunks(IReadOnlyList<Tensor> scores)
    {
        foreach (var score in scores)
            for (long start = 0; start < score.numel(); start += ChunkElements)
                yield return score.narrow(0, start, Math.Min(ChunkElements, score.numel() - start));
    }

    // Index of the n-th (1-based) true entry of a flat bool tensor, syncing only per-chunk counts.
    private static long PositionOfNthTrue(Tensor flags, long n)
    {
        using var scope = NewDisposeScope();
        var length = flags.numel();
        var chunk = Math.Min(ChunkElements, length);
        var full = length / chunk;
        var parts = new List<Tensor>();
        if (full > 0) parts.Add(flags.narrow(0, 0, full * chunk).view(full, chunk).sum(1));
        if (full * chunk < length) parts.Add(flags.narrow(0, full * chunk, length - full * chunk).sum().unsqueeze(0));
        var counts = cat(parts.ToArray()).cpu().data<long>().ToArray();
        long seen = 0;
        for (var c = 0; c < counts.Length; c++)
        {
            if (seen + counts[c] >= n)
            {
                var start = c * chunk;
                var part = flags.narrow(0, start, Math.Min(chunk, length - start));
                var running = part.cumsum(0, ScalarType.Int64);
                using var needed = (n - seen).ToScalar();
                return start + running.ge(needed).to(ScalarType.Int64).argmax().cpu().item<long>();
            }
            seen += counts[c];
        }
        throw new InvalidOperationException($"Fewer than {n} tied entries; counts are inconsistent.");
    }
}
