namespace DeltaTui.Training.Data;

/// <summary>
/// Draws batches of pairs epoch after epoch. Each epoch's order is a shuffle seeded by (seed, epoch) alone,
/// so the batcher carries no hidden state: a <see cref="DataPosition"/> saved with a checkpoint is enough
/// to continue with the same next batch. Batches never span two epochs; the last one of an epoch is
/// smaller unless <c>dropLast</c> is set.
/// </summary>
public sealed class PreferenceBatcher
{
    private readonly IReadOnlyList<PreferencePair> pairs;
    private readonly int batchSize;
    private readonly ulong seed;
    private readonly bool shuffle;
    private readonly bool dropLast;
    private int[] order;
    private int orderEpoch;

    public PreferenceBatcher(IReadOnlyList<PreferencePair> pairs, int batchSize, ulong seed, bool shuffle = true, bool dropLast = false, DataPosition start = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("there are no pairs to batch", nameof(pairs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (dropLast && batchSize > pairs.Count)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"with drop-last, a batch of {batchSize} cannot be drawn from {pairs.Count} pairs");
        if (start.Epoch < 0 || start.Index < 0 || start.Index > pairs.Count)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"a position needs epoch >= 0 and 0 <= index <= {pairs.Count}");

        this.pairs = pairs;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        order = EpochOrder(start.Epoch);
        orderEpoch = start.Epoch;
        Position = Normalise(start);
    }

    /// <summary>Where the next batch starts.</summary>
    public DataPosition Position { get; private set; }

    public int BatchesPerEpoch => dropLast ? pairs.Count / batchSize : (pairs.Count + batchSize - 1) / batchSize;

    /// <summary>The batch at <see cref="Position"/>; moves past it, into the next epoch when this one is used up.</summary>
    public PreferenceBatch Next()
    {
        var start = Position;
        if (orderEpoch != start.Epoch)
        {
            order = EpochOrder(start.Epoch);
            orderEpoch = start.Epoch;
        }

        var size = Math.Min(batchSize, pairs.Count - start.Index);
        var batch = new PreferencePair[size];
        for (var i = 0; i < size; i++) batch[i] = pairs[order[start.Index + i]];
        Position = Normalise(start with { Index = start.Index + size });
        return new PreferenceBatch(batch, start);
    }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the pairs (indexes into the pair list).</summary>
    public int[] EpochOrder(int epoch)
    {
        var indexes = Enumerable.Range(0, pairs.Count).ToArray();
        if (shuffle) SeededRandom.ForStream(seed, (ulong)epoch).Shuffle(indexes.AsSpan());
        return indexes;
    }

    /// <summary>One pass in dataset order, e.g. over a held-out split.</summary>
    public static IEnumerable<PreferenceBatch> InOrder(IReadOnlyList<PreferencePair> pairs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        for (var index = 0; index < pairs.Count; index += batchSize)
            yield return new PreferenceBatch(pairs.Skip(index).Take(batchSize).ToArray(), new DataPosition(0, index));
    }

    private DataPosition Normalise(DataPosition position)
    {
        var remaining = pairs.Count - position.Index;
        var exhausted = remaining == 0 || (dropLast && remaining < batchSize);
        return exhausted ? new DataPosition(position.Epoch + 1, 0) : position;
    }
}
