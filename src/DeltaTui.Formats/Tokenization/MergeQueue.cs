namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// Binary min-heap of candidate merges ordered by (rank, position), the order Hugging Face's BPE pops them in.
/// A plain struct array: the merge loop is the encoder's hot path.
/// </summary>
internal sealed class MergeQueue
{
    private Entry[] _heap = new Entry[64];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Push(int rank, int position, int mergedId)
    {
        if (Count == _heap.Length)
            Array.Resize(ref _heap, _heap.Length * 2);
        var entry = new Entry(((long)rank << 32) | (uint)position, mergedId);
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_heap[parent].Order <= entry.Order)
                break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = entry;
    }

    public bool TryPop(out int position, out int mergedId)
    {
        if (Count == 0)
        {
            position = mergedId = 0;
            return false;
        }
        var top = _heap[0];
        var last = _heap[--Count];
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= Count)
                break;
            if (child + 1 < Count && _heap[child + 1].Order < _heap[child].Order)
                child++;
            if (last.Order <= _heap[child].Order)
                break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (Count > 0)
            _heap[i] = last;
        position = (int)(uint)top.Order;
        mergedId = top.MergedId;
        return true;
    }

    private readonly record struct Entry(long Order, int MergedId);
}
