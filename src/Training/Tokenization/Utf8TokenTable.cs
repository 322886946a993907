using System.Runtime.CompilerServices;
using System.Text;

namespace DeltaTui.Training.Tokenization;

/// <summary>
/// Token id lookup by UTF-8 bytes, for resolving half a million merges straight from the JSON bytes:
/// no UTF-16 strings, and the id of "a"+"b" is found without building the concatenation, because the hash
/// (FNV-1a) can continue over the second part. Open addressing over flat arrays keeps cache misses few.
/// </summary>
internal sealed class Utf8TokenTable
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    private readonly byte[] _pool;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly int[] _ids;
    private readonly ulong[] _slotHashes;
    // Entry index + 1 per slot; 0 marks an empty slot.
    private readonly int[] _slots;
    private readonly int _mask;

    public Utf8TokenTable(Dictionary<string, int> vocab)
    {
        var count = vocab.Count;
        var size = 16;
        while (size < count * 2)
            size <<= 1;
        _mask = size - 1;
        _slots = new int[size];
        _slotHashes = new ulong[size];
        _offsets = new int[count];
        _lengths = new int[count];
        _ids = new int[count];

        var totalBytes = 0;
        foreach (var token in vocab.Keys)
            totalBytes += Encoding.UTF8.GetByteCount(token);
        _pool = new byte[totalBytes];

        var entry = 0;
        var offset = 0;
        foreach (var (token, id) in vocab)
        {
            var length = Encoding.UTF8.GetBytes(token, _pool.AsSpan(offset));
            _offsets[entry] = offset;
            _lengths[entry] = length;
            _ids[entry] = id;
            var hash = Continue(FnvOffset, _pool.AsSpan(offset, length));
            var slot = (int)Mix(hash) & _mask;
            while (_slots[slot] != 0)
                slot = (slot + 1) & _mask;
            _slots[slot] = entry + 1;
            _slotHashes[slot] = hash;
            offset += length;
            entry++;
        }
    }

    public bool TryGetId(ReadOnlySpan<byte> token, out int id) => TryGetId(token, [], out id);

    /// <summary>Looks up the token whose UTF-8 bytes are <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGetId(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, out int id)
    {
        var hash = Continue(Continue(FnvOffset, first), second);
        var length = first.Length + second.Length;
        var slot = (int)Mix(hash) & _mask;
        while (true)
        {
            var entry = _slots[slot] - 1;
            if (entry < 0)
            {
                id = -1;
                return false;
            }
            if (_slotHashes[slot] == hash && _lengths[entry] == length)
            {
                var stored = _pool.AsSpan(_offsets[entry], length);
                if (stored[..first.Length].SequenceEqual(first) && stored[first.Length..].SequenceEqual(second))
                {
                    id = _ids[entry];
                    return true;
                }
            }
            slot = (slot + 1) & _mask;
        }
    }

    private static ulong Continue(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            hash = (hash ^ b) * FnvPrime;
        return hash;
    }

    // FNV's low bits are weak for short keys; fold the high half in before masking.
    private static ulong Mix(ulong hash) => hash ^ (hash >> 29) ^ (hash >> 47);
}
