using System.Numerics;

namespace DeltaTui.Training.Data;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through <see cref="SplitMix64"/>. System.Random's algorithm is
/// unspecified and has changed between .NET versions; this one gives the same numbers on every run,
/// platform and runtime, which shuffling and resumable runs depend on.
/// </summary>
public sealed class SeededRandom
{
    private ulong s0, s1, s2, s3;

    public SeededRandom(ulong seed)
    {
        var state = seed;
        s0 = SplitMix64.Next(ref state);
        s1 = SplitMix64.Next(ref state);
        s2 = SplitMix64.Next(ref state);
        s3 = SplitMix64.Next(ref state);
    }

    private SeededRandom(ulong[] state) => (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3]);

    /// <summary>An independent generator for stream <paramref name="stream"/> of <paramref name="seed"/> (e.g. one per epoch).</summary>
    public static SeededRandom ForStream(ulong seed, ulong stream) => new(SplitMix64.Mix(seed) ^ SplitMix64.Mix(~stream));

    /// <summary>Recreates a generator from <see cref="GetState"/>, e.g. when resuming a run.</summary>
    public static SeededRandom FromState(IReadOnlyList<ulong> state)
    {
        if (state.Count != 4) throw new ArgumentException("a xoshiro256** state has 4 words", nameof(state));
        if (state.All(word => word == 0)) throw new ArgumentException("an all-zero state is not a valid xoshiro256** state", nameof(state));
        return new SeededRandom(state.ToArray());
    }

    public ulong[] GetState() => [s0, s1, s2, s3];

    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = BitOperations.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextBelow(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var range = (uint)bound;
        var product = (ulong)(uint)(NextUInt64() >> 32) * range;
        if ((uint)product < range)
        {
            var threshold = (0u - range) % range;
            while ((uint)product < threshold) product = (ulong)(uint)(NextUInt64() >> 32) * range;
        }

        return (int)(product >> 32);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fisher–Yates, from the last element down.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
