using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>How one selection of active blocks differs from the previous one.</summary>
public readonly record struct ActiveSetChurn(long Previous, long Next, long Kept)
{
    /// <summary>Blocks active now that were not before.</summary>
    public long In => Next - Kept;

    /// <summary>Blocks active before that are not now.</summary>
    public long Out => Previous - Kept;

    /// <summary>|previous ∩ next| / |previous ∪ next|; 1 when both are empty.</summary>
    public double Iou => Previous + Next - Kept == 0 ? 1.0 : (double)Kept / (Previous + Next - Kept);

    public static ActiveSetChurn operator +(ActiveSetChurn a, ActiveSetChurn b) =>
        new(a.Previous + b.Previous, a.Next + b.Next, a.Kept + b.Kept);

    /// <summary>Churn between two lists of active block ids of one weight (any order, no duplicates).</summary>
    public static ActiveSetChurn Between(IReadOnlyCollection<long> previous, IReadOnlyCollection<long> next)
    {
        var before = previous as IReadOnlySet<long> ?? new HashSet<long>(previous);
        return new ActiveSetChurn(previous.Count, next.Count, next.Count(before.Contains));
    }
}

/// <summary>
/// What the active set of a block-sparse run covers. Pure functions over tensors, so every number the dashboard
/// shows for a sparse run can be checked by hand on small tensors (docs/iou.md).
/// </summary>
public static class ActiveSetStatistics
{
    /// <summary>
    /// Σ score over the active positions / Σ score over all positions, over every (score, active) pair; the score is
    /// non-negative (Fisher: the running mean of g²; or a 0/1 mask for a count). NaN when the total is zero.
    /// </summary>
    public static double Coverage(IEnumerable<(Tensor Score, Tensor Active)> weights)
    {
        double inside = 0, total = 0;
        using var scope = NewDisposeScope();
        foreach (var (score, active) in weights)
        {
            var s = score.to(ScalarType.Float64);
            total += s.sum().item<double>();
            inside += s.masked_select(active.to(ScalarType.Bool).to(s.device)).sum().item<double>();
        }
        return total > 0 ? inside / total : double.NaN;
    }

    /// <summary>
    /// The kept fraction to give the live comparison's masks so that they can differ: with the optimizer changing
    /// only <paramref name="activeDensity"/> of the weights, Magnitude and Momentum are zero elsewhere, and a mask
    /// keeping as much as the active set or more would be the active set itself. The remedy chosen: keep
    /// <paramref name="configuredKeep"/> of the active elements (keep × active density) of all of them.
    /// </summary>
    public static double ConfinedKeep(double configuredKeep, double activeDensity) =>
        activeDensity >= 1 ? configuredKeep : configuredKeep * activeDensity;

    /// <summary>Whether masks at <paramref name="configuredKeep"/> would cover the whole active set (or more).</summary>
    public static bool MaskAtOrAboveActiveDensity(double configuredKeep, double activeDensity) =>
        activeDensity < 1 && configuredKeep >= activeDensity;
}
