using TorchSharp;
using System.Numerics;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// A bool mask packed 64 positions to a word, so intersections over a quarter-billion positions are
/// a few million AND + popcount operations. Built from a CPU bool tensor with 32-byte vector compares.
/// </summary>
public sealed class PackedMask
{
    private const int WordsPerTask = 1 << 16;

    private PackedMask(ulong[] words, long length, long count)
    {
        Words = words;
        Length = length;
        Count = count;
    }

    public ulong[] Words { get; }

    public long Length { get; }

    /// <summary>Number of set positions.</summary>
    public long Count { get; }

    public static PackedMask FromTensor(Tensor mask)
    {
        using var cpu = mask.device_type == DeviceType.CPU ? mask.contiguous() : mask.cpu().contiguous();
        var bytes = cpu.bytes;
        var length = bytes.Length;
        var words = new ulong[(length + 63) / 64];
        unsafe
        {
            fixed (byte* source = bytes)
            {
                var src = source;
                Parallel.For(0, (words.Length + WordsPerTask - 1) / WordsPerTask, task =>
                {
                    var first = task * WordsPerTask;
                    var last = Math.Min(words.Length, first + WordsPerTask);
                    for (var w = first; w < last; w++) words[w] = PackWord(src, (long)w * 64, length);
                });
            }
        }
        return new PackedMask(words, length, PopCount(words));
    }

    /// <summary>|A∩B| of two masks of the same length.</summary>
    public static long IntersectionCount(PackedMask a, PackedMask b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Masks of lengths {a.Length} and {b.Length} cannot be intersected.");
        var (x, y) = (a.Words, b.Words);
        long total = 0;
        Parallel.For(0, (x.Length + WordsPerTask - 1) / WordsPerTask, () => 0L, (task, _, sum) =>
        {
            var first = task * WordsPerTask;
            var last = Math.Min(x.Length, first + WordsPerTask);
            for (var i = first; i < last; i++) sum += BitOperations.PopCount(x[i] & y[i]);
            return sum;
        }, sum => Interlocked.Add(ref total, sum));
        return total;
    }

    private static unsafe ulong PackWord(byte* src, long start, long length)
    {
        if (start + 64 <= length)
        {
            var low = Vector256.ExtractMostSignificantBits(Vector256.GreaterThan(Vector256.Load(src + start), Vector256<byte>.Zero));
            var high = Vector256.ExtractMostSignificantBits(Vector256.GreaterThan(Vector256.Load(src + start + 32), Vector256<byte>.Zero));
            return low | (ulong)high << 32;
        }
        ulong word = 0;
        for (var i = start; i < length; i++)
            if (src[i] != 0) word |= 1UL << (int)(i - start);
        return word;
    }

    private static long PopCount(ulong[] words)
    {
        long total = 0;
        foreach (var w in words) total += BitOperations.PopCount(w);
        return total;
    }
}
