namespace DeltaTui.Training.Data;

/// <summary>Pairs for training and the held-out pairs for evaluation, each in dataset order.</summary>
public sealed record TrainEvalSplit(IReadOnlyList<PreferencePair> Train, IReadOnlyList<PreferencePair> Eval)
{
    /// <summary>
    /// Holds out round(fraction × count) pairs chosen by a seeded shuffle (at least one, and at least one left
    /// to train on). For an explicit eval file, load it as its own <see cref="PreferenceDataset"/> instead.
    /// </summary>
    public static TrainEvalSplit ByFraction(IReadOnlyList<PreferencePair> pairs, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (!(fraction >= 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the held-out fraction must be in [0, 1)");
        if (fraction == 0) return new TrainEvalSplit(pairs, []);
        if (pairs.Count < 2)
            throw new ArgumentException($"cannot hold out a fraction of {pairs.Count} pair(s); at least 2 are needed", nameof(pairs));

        var evalCount = (int)Math.Round(pairs.Count * fraction, MidpointRounding.AwayFromZero);
        evalCount = Math.Clamp(evalCount, 1, pairs.Count - 1);
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        // A stream of its own, so the split does not move when the shuffle seed of the training order is reused.
        SeededRandom.ForStream(seed, ulong.MaxValue).Shuffle(order.AsSpan());
        var held = order.AsSpan(0, evalCount).ToArray().ToHashSet();
        var train = new List<PreferencePair>(pairs.Count - evalCount);
        var eval = new List<PreferencePair>(evalCount);
        for (var i = 0; i < pairs.Count; i++) (held.Contains(i) ? eval : train).Add(pairs[i]);
        return new TrainEvalSplit(train, eval);
    }
}
