using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// The BPE vocabulary kept as UTF-8 bytes in one pool, with an open-addressing index. Loading fills it straight
/// from the JSON bytes (no string per token), merges resolve against it without building "a"+"b" (the FNV-1a hash
/// continues over the second part), and token strings are made only when a token is first decoded.
/// </summary>
internal sealed class Utf8TokenTable
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    private byte[] _pool = new byte[1 << 16];
    private int _poolUsed;
    // Everything a lookup needs sits in its slot, so a probe costs one cache miss plus one into the pool.
    private Slot[] _slots = new Slot[2048];
    private int _mask = 2047;
    private int[] _slotOfId = [];
    private string?[] _strings = [];

    public int Count { get; private set; }

    /// <summary>One past the largest id.</summary>
    public int IdCount => _slotOfId.Length;

    /// <summary>Adds a token; false when its bytes are already there.</summary>
    public bool TryAdd(ReadOnlySpan<byte> token, int id)
    {
        var hash = Continue(FnvOffset, token);
        var slot = FindSlot(token, [], hash);
        if (_slots[slot].Length != 0)
            return false;

        if (_poolUsed + token.Length > _pool.Length)
            Array.Resize(ref _pool, Math.Max(_pool.Length * 2, _poolUsed + token.Length));
        token.CopyTo(_pool.AsSpan(_poolUsed));
        // Length is stored plus one so that 0 can mark an empty slot (an empty token is legal JSON).
        _slots[slot] = new Slot(hash, id, _poolUsed, token.Length + 1);
        _poolUsed += token.Length;
        Count++;
        if (Count * 2 > _slots.Length)
            Grow();
        return true;
    }

    /// <summary>Builds the id-to-token index once all tokens are in.</summary>
    public void Complete()
    {
        var maxId = -1;
        foreach (var slot in _slots)
        {
            if (slot.Length != 0)
                maxId = Math.Max(maxId, slot.Id);
        }
        _slotOfId = new int[maxId + 1];
        Array.Fill(_slotOfId, -1);
        for (var i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].Length != 0)
                _slotOfId[_slots[i].Id] = i;
        }
        _strings = new string?[maxId + 1];
    }

    public bool TryGetId(ReadOnlySpan<byte> token, out int id) => TryGetId(token, [], out id);

    /// <summary>Looks up the token whose UTF-8 bytes are <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    public bool TryGetId(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, out int id)
    {
        ref readonly var slot = ref _slots[FindSlot(first, second, Continue(Continue(FnvOffset, first), second))];
        id = slot.Length == 0 ? -1 : slot.Id;
        return slot.Length != 0;
    }

    public bool TryGetId(ReadOnlySpan<char> token, out int id)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(token.Length);
        var rented = maxBytes > 512 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        try
        {
            Span<byte> buffer = rented is null ? stackalloc byte[512] : rented;
            var length = Encoding.UTF8.GetBytes(token, buffer);
            return TryGetId(buffer[..length], out id);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The token string of an id, made on first use; null for an id no token has.</summary>
    public string? TokenOf(int id)
    {
        if (id < 0 || id >= _slotOfId.Length || _slotOfId[id] < 0)
            return null;
        // Racing threads build equal strings; either may win.
        return _strings[id] ??= Encoding.UTF8.GetString(BytesOf(_slots[_slotOfId[id]]));
    }

    /// <summary>Calls <paramref name="visit"/> with each token's bytes and id.</summary>
    public void ForEach(SpanAction visit)
    {
        foreach (var slot in _slots)
        {
            if (slot.Length != 0)
                visit(BytesOf(slot), slot.Id);
        }
    }

    public delegate void SpanAction(ReadOnlySpan<byte> token, int id);

    private ReadOnlySpan<byte> BytesOf(in Slot slot) => _pool.AsSpan(slot.Offset, slot.Length - 1);

    // The slot holding first+second, or the empty slot where it would go.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FindSlot(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ulong hash)
    {
        var storedLength = first.Length + second.Length + 1;
        var index = (int)Mix(hash) & _mask;
        while (true)
        {
            ref readonly var slot = ref _slots[index];
            if (slot.Length == 0)
                return index;
            if (slot.Hash == hash && slot.Length == storedLength)
            {
                var stored = _pool.AsSpan(slot.Offset, storedLength - 1);
                if (stored[..first.Length].SequenceEqual(first) && stored[first.Length..].SequenceEqual(second))
                    return index;
            }
            index = (index + 1) & _mask;
        }
    }

    private void Grow()
    {
        var slots = new Slot[_slots.Length * 2];
        var mask = slots.Length - 1;
        foreach (var slot in _slots)
        {
            if (slot.Length == 0)
                continue;
            var index = (int)Mix(slot.Hash) & mask;
            while (slots[index].Length != 0)
                index = (index + 1) & mask;
            slots[index] = slot;
        }
        _slots = slots;
        _mask = mask;
    }

    private readonly record struct Slot(ulong Hash, int Id, int Offset, int Length);

    private static ulong Continue(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            hash = (hash ^ b) * FnvPrime;
        return hash;
    }

    // FNV's low bits are weak for short keys; fold the high half in before masking.
    private static ulong Mix(ulong hash) => hash ^ (hash >> 29) ^ (hash >> 47);
}
