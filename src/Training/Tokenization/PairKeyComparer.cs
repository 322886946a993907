namespace DeltaTui.Training.Tokenization;

/// <summary>
/// Hashes packed (left id, right id) merge keys. long's own hash xors the halves, so every pair with the same
/// left ^ right collides, which made half a million merges crawl; a multiplicative mix spreads them.
/// </summary>
internal sealed class PairKeyComparer : IEqualityComparer<long>
{
    public static readonly PairKeyComparer Instance = new();

    public bool Equals(long x, long y) => x == y;

    public int GetHashCode(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32);
}
