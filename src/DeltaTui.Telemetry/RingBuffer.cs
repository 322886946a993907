namespace DeltaTui.Telemetry;

/// <summary>
/// A fixed-capacity FIFO that overwrites its oldest item when full: the bounded history behind
/// sparklines. Allocates only in the constructor. Not thread-safe; owners lock around it.
/// </summary>
public sealed class RingBuffer<T>
{
    private readonly T[] _items;
    private int _start;

    public RingBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new T[capacity];
    }

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    /// <summary>Item <paramref name="index"/> counted from the oldest kept.</summary>
    public T this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _items[(_start + index) % _items.Length];
        }
    }

    public void Add(T item)
    {
        if (Count < _items.Length)
        {
            _items[(_start + Count) % _items.Length] = item;
            Count++;
            return;
        }
        _items[_start] = item;
        _start = (_start + 1) % _items.Length;
    }

    public void Clear()
    {
        Array.Clear(_items);
        _start = 0;
        Count = 0;
    }

    /// <summary>Copies the items oldest first into <paramref name="destination"/>; returns how many were copied.</summary>
    public int CopyTo(Span<T> destination)
    {
        var n = Math.Min(Count, destination.Length);
        // When the destination is shorter, keep the newest items: a sparkline shows the recent past.
        var skip = Count - n;
        for (var i = 0; i < n; i++) destination[i] = _items[(_start + skip + i) % _items.Length];
        return n;
    }

    public T[] ToArray()
    {
        var array = new T[Count];
        CopyTo(array);
        return array;
    }
}
