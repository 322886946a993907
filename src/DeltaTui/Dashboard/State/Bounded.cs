using System.Collections.Immutable;

namespace DeltaTui.Dashboard.State;

/// <summary>
/// An immutable list that keeps only the newest <see cref="Capacity"/> items, so that state
/// folded from an unbounded event stream stays bounded in memory.
/// </summary>
public sealed class Bounded<T>
{
    private readonly ImmutableArray<T> _items;

    public Bounded(int capacity) : this(capacity, ImmutableArray<T>.Empty) { }

    private Bounded(int capacity, ImmutableArray<T> items)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
        _items = items;
    }

    public int Capacity { get; }

    public int Count => _items.Length;

    public ImmutableArray<T> Items => _items;

    public T? LastOrDefault => _items.IsEmpty ? default : _items[^1];

    /// <summary>The same list with its newest item replaced (an empty list gets the item).</summary>
    public Bounded<T> ReplaceLast(T item) =>
        _items.IsEmpty ? Add(item) : new Bounded<T>(Capacity, _items.SetItem(_items.Length - 1, item));

    public Bounded<T> Add(T item)
    {
        if (_items.Length < Capacity) return new Bounded<T>(Capacity, _items.Add(item));
        var builder = ImmutableArray.CreateBuilder<T>(Capacity);
        for (int i = _items.Length - Capacity + 1; i < _items.Length; i++) builder.Add(_items[i]);
        builder.Add(item);
        return new Bounded<T>(Capacity, builder.MoveToImmutable());
    }
}

/// <summary>A point of a metric over training steps.</summary>
public readonly record struct SeriesPoint(double Step, double Value);
