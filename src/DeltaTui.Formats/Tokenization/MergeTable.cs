using System.Runtime.CompilerServices;

namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// BPE merges: (left id, right id) to (rank, merged id). Open addressing with key and value side by side in
/// one array, so a lookup (the encoder's most frequent operation) usually touches a single cache line.
/// </summary>
internal sealed class MergeTable
{
    // Keys are never negative (ids are), so -1 marks an empty slot.
    private const long Empty = -1;

    private long[] _slots;
    private int _mask;

    public MergeTable(int expectedCount)
    {
        var size = 16;
        while (size < expectedCount * 2)
            size <<= 1;
        _slots = NewSlots(size);
        _mask = size - 1;
    }

    public int Count { get; private set; }

    public static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Adds or replaces a merge; a later rank for the same pair wins, as in Hugging Face's map.</summary>
    public void Set(int left, int right, int rank, int mergedId)
    {
        if ((Count + 1) * 2 > _slots.Length / 2)
            Grow();
        var key = Key(left, right);
        var slot = Slot(key);
        while (_slots[2 * slot] != Empty && _slots[2 * slot] != key)
            slot = (slot + 1) & _mask;
        if (_slots[2 * slot] == Empty)
            Count++;
        _slots[2 * slot] = key;
        _slots[2 * slot + 1] = ((long)rank << 32) | (uint)mergedId;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(int left, int right, out int rank, out int mergedId)
    {
        var key = Key(left, right);
        var slots = _slots;
        var slot = Slot(key);
        while (true)
        {
            var stored = slots[2 * slot];
            if (stored == key)
            {
                var value = slots[2 * slot + 1];
                rank = (int)(value >> 32);
                mergedId = (int)value;
                return true;
            }
            if (stored == Empty)
            {
                rank = mergedId = 0;
                return false;
            }
            slot = (slot + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32) & _mask;

    private void Grow()
    {
        var old = _slots;
        _slots = NewSlots(old.Length);
        _mask = old.Length - 1;
        Count = 0;
        for (var i = 0; i < old.Length; i += 2)
        {
            if (old[i] != Empty)
                Set((int)(old[i] >> 32), (int)old[i], (int)(old[i + 1] >> 32), (int)old[i + 1]);
        }
    }

    private static long[] NewSlots(int slotCount)
    {
        var slots = new long[2 * slotCount];
        for (var i = 0; i < slots.Length; i += 2)
            slots[i] = Empty;
        return slots;
    }
}
