using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// The k-th largest of fp32 scores in CPU memory, by a two-pass 16-bit radix select over their bit
/// patterns, run directly on the tensors' memory with one histogram per worker. libtorch's
/// elementwise ops would need a dozen passes per radix digit here; this needs two reads in all.
/// </summary>
internal static class CpuRadixSelect
{
    private const int Buckets = 1 << 16;
    private const int ChunkElements = 1 << 22;

    public static bool Applies(IReadOnlyList<Tensor> scores) =>
        scores.All(s => s.device_type == TorchSharp.DeviceType.CPU && s.dtype == ScalarType.Float32 && s.is_contiguous());

    /// <returns>The k-th largest score and how many scores are strictly greater.</returns>
    public static (float Threshold, long CountAbove) FindKthLargest(IReadOnlyList<Tensor> scores, long k)
    {
        var high = Histogram(scores, highBucket: -1);
        var bucket = PickBucket(high, k, out var above);
        var low = Histogram(scores, bucket);
        var lowValue = PickBucket(low, k - above, out var aboveInBucket);
        return (FromKey(((uint)bucket << 16) | (uint)lowValue), above + aboveInBucket);
    }

    // Unsigned keys in float order; -0 is folded onto +0 so equal floats share a key.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static uint Key(uint bits)
    {
        if (bits == 0x80000000u) bits = 0;
        return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
    }

    private static float FromKey(uint key) =>
        BitConverter.UInt32BitsToSingle((key & 0x80000000u) != 0 ? key & 0x7FFFFFFFu : ~key);

    // With highBucket < 0: histogram of every key's high 16 bits; otherwise of the low 16 bits of the
    // keys whose high bits equal highBucket.
    private static unsafe long[] Histogram(IReadOnlyList<Tensor> scores, int highBucket)
    {
        var total = new long[Buckets];
        foreach (var score in scores)
        {
            var length = score.numel();
            if (length == 0) continue;
            var bytes = score.bytes;
            fixed (byte* start = bytes)
            {
                var data = (uint*)start;
                var chunks = (int)((length + ChunkElements - 1) / ChunkElements);
                Parallel.For(0, chunks, () => new long[Buckets], (chunk, _, counts) =>
                {
                    var first = (long)chunk * ChunkElements;
                    var last = Math.Min(length, first + ChunkElements);
                    if (highBucket < 0)
                    {
                        for (var i = first; i < last; i++) counts[Key(data[i]) >> 16]++;
                    }
                    else
                    {
                        for (var i = first; i < last; i++)
                        {
                            var key = Key(data[i]);
                            if ((int)(key >> 16) == highBucket) counts[key & 0xFFFF]++;
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
            }
        }
        return total;
    }

    private static int PickBucket(long[] counts, long needed, out long above)
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
