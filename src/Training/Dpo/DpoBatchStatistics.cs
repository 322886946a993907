using DeltaTui.Core.Events;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// The pair-averaged DPO metrics kept as sums in one small device tensor, so micro-batches add up
/// without a host sync and the trainer reads them back once per step (or a step late).
/// </summary>
public static class DpoBatchStatistics
{
    /// <summary>[7] fp32 detached sums over the pairs, in <see cref="DpoMetricNames.PairAveraged"/> order.</summary>
    public static Tensor Sums(DpoLossResult result, DpoLogProbs logProbs)
    {
        using var scope = NewDisposeScope();
        var margins = result.ChosenRewards - result.RejectedRewards;
        var sums = stack([
            result.Losses.detach().sum(),
            result.ChosenRewards.sum(),
            result.RejectedRewards.sum(),
            margins.sum(),
            (result.ChosenRewards > result.RejectedRewards).to(ScalarType.Float32).sum(),
            logProbs.PolicyChosen.detach().sum(),
            logProbs.PolicyRejected.detach().sum(),
        ]).to(ScalarType.Float32);
        return sums.MoveToOuterDisposeScope();
    }

    /// <summary>Divides host-side sums by the number of pairs they cover.</summary>
    public static Dictionary<string, double> ToMetrics(ReadOnlySpan<float> sums, long pairs, string prefix = "")
    {
        if (sums.Length != DpoMetricNames.PairAveraged.Count)
            throw new ArgumentException($"expected {DpoMetricNames.PairAveraged.Count} sums, got {sums.Length}");
        if (pairs <= 0) throw new ArgumentOutOfRangeException(nameof(pairs), pairs, "need at least one pair");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < sums.Length; i++) metrics[prefix + DpoMetricNames.PairAveraged[i]] = sums[i] / (double)pairs;
        return metrics;
    }
}
