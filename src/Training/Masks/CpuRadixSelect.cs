using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Exact top-k of fp32 scores in CPU memory, run directly on the tensors' memory: a two-pass 16-bit
/// radix select over the scores' bit patterns finds the k-th largest, a third pass counts its ties per
/// chunk, and a fourth writes the masks, giving ties to the lowest global index. libtorch's CPU
/// elementwise ops and bool reductions would need dozens of passes over the data for the same result.
/// </summary>
internal static class CpuRadixSelect
{
    private const int Buckets = 1 << 16;
    private const int ChunkElements = 1 << 22;

    public static bool Applies(IReadOnlyList<Tensor> scores) =>
        scores.All(s => s.device_type == TorchSharp.DeviceType.CPU && s.dtype == ScalarType.Float32 && s.is_contiguous());

    /// <summary>"NaN" or "-inf" when the (contiguous fp32 CPU) tensor holds one, else null.</summary>
    public static unsafe string? FindUnrankable(Tensor score)
    {
        var values = score.bytes;
        fixed (byte* start = values)
        {
            var data = (uint*)start;
            var length = score.numel();
            for (long i = 0; i < length; i++)
            {
                var magnitude = data[i] & 0x7FFFFFFFu;
                if (magnitude > 0x7F800000u) return "NaN";
                if (data[i] == 0xFF800000u) return "-inf";
            }
        }
        return null;
    }

    public static Tensor[] Select(IReadOnlyList<Tensor> scores, long k)
    {
        var high = Histogram(scores, highBucket: -1);
        var bucket = PickBucket(high, k, out var above);
        var low = Histogram(scores, bucket);
        var lowValue = PickBucket(low, k - above, out var aboveInBucket);
        var threshold = ((uint)bucket << 16) | (uint)lowValue;
        var remaining = k - above - aboveInBucket;

        var chunks = Chunks(scores);
        var ties = new long[chunks.Count];
        Parallel.For(0, chunks.Count, c => ties[c] = CountEqual(scores[chunks[c].Tensor], chunks[c].Start, chunks[c].End, threshold));
        var budgets = new long[chunks.Count];
        for (var c = 0; c < chunks.Count; c++)
        {
            budgets[c] = Math.Min(ties[c], remaining);
            remaining -= budgets[c];
        }

        var masks = scores.Select(s => empty(s.numel(), ScalarType.Bool)).ToArray();
        Parallel.For(0, chunks.Count, c =>
            WriteMask(scores[chunks[c].Tensor], masks[chunks[c].Tensor], chunks[c].Start, chunks[c].End, threshold, budgets[c]));
        return masks;
    }

    // Unsigned keys in float order; -0 is folded onto +0 so equal floats share a key.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Key(uint bits)
    {
        if (bits == 0x80000000u) bits = 0;
        return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
    }

    private static List<(int Tensor, long Start, long End)> Chunks(IReadOnlyList<Tensor> scores)
    {
        var chunks = new List<(int, long, long)>();
        for (var t = 0; t < scores.Count; t++)
            for (long start = 0; start < scores[t].numel(); start += ChunkElements)
                chunks.Add((t, start, Math.Min(scores[t].numel(), start + ChunkElements)));
        return chunks;
    }

    private static unsafe long CountEqual(Tensor score, long start, long end, uint threshold)
    {
        fixed (byte* bytes = score.bytes)
        {
            var data = (uint*)bytes;
            long count = 0;
            for (var i = start; i < end; i++) if (Key(data[i]) == threshold) count++;
            return count;
        }
    }

    private static unsafe void WriteMask(Tensor score, Tensor mask, long start, long end, uint threshold, long tieBudget)
    {
        fixed (byte* bytes = score.bytes)
        fixed (byte* output = mask.bytes)
        {
            var data = (uint*)bytes;
            for (var i = start; i < end; i++)
            {
                var key = Key(data[i]);
                var keep = key > threshold || (key == threshold && tieBudget-- > 0);
                output[i] = keep ? (byte)1 : (byte)0;
            }
        }
    }

    // With highBucket < 0: histogram of every key's high 16 bits; otherwise of the low 16 bits of the
    // keys whose high bits equal highBucket.
    private static unsafe long[] Histogram(IReadOnlyList<Tensor> scores, int highBucket)
    {
        var total = new long[Buckets];
        var chunks = Chunks(scores);
        Parallel.For(0, chunks.Count, () => new long[Buckets], (c, _, counts) =>
        {
            var (tensor, start, end) = chunks[c];
            fixed (byte* bytes = scores[tensor].bytes)
            {
                var data = (uint*)bytes;
                if (highBucket < 0)
                {
                    for (var i = start; i < end; i++) counts[Key(data[i]) >> 16]++;
                }
                else
                {
                    for (var i = start; i < end; i++)
                    {
                        var key = Key(data[i]);
                        if ((int)(key >> 16) == highBucket) counts[key & 0xFFFF]++;
                    }
                }
            }
            return counts;
        }, counts =>
        {
            lock (total)
            {
                for (var b = 0; b < Buckets; b++) total[b] += counts[b];
            }
        });
        return total;
    }

    /// <summary>The highest bucket at which the count from the top reaches <paramref name="needed"/> (shared with the device path).</summary>
    internal static int PickBucket(long[] counts, long needed, out long above)
    {
        above = 0;
        for (var b = counts.Length - 1; b >= 0; b--)
        {
            if (above + counts[b] >= needed) return b;
            above += counts[b];
        }
        throw new InvalidOperationException("Radix select ran out of scores; counts are inconsistent.");
    }
}
