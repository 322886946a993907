namespace DeltaTui.Training.Data;

/// <summary>
/// Sebastiano Vigna's SplitMix64: spreads a 64-bit seed into well-mixed words. Used to seed
/// <see cref="SeededRandom"/> as its authors recommend, and to derive independent streams from one seed.
/// </summary>
public static class SplitMix64
{
    /// <summary>Advances <paramref name="state"/> by the golden-ratio increment and returns the mixed word.</summary>
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>The output function alone: a bijective finaliser of 64-bit words.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
