using DeltaTui.Core.Events;

namespace DeltaTui.Training.Masks;

/// <summary>IoU of two mask sets, tensor by tensor, with the aggregate over all positions and the spread over tensors.</summary>
public sealed class IouComparison
{
    public IouComparison(IReadOnlyList<KeyValuePair<string, IouCounts>> perTensor)
    {
        PerTensor = perTensor;
        Aggregate = perTensor.Aggregate(default(IouCounts), (sum, p) => sum + p.Value);
        var ious = perTensor.Select(p => p.Value.Iou).ToList();
        MeanIou = ious.Count == 0 ? 1.0 : ious.Average();
        MinIou = ious.Count == 0 ? 1.0 : ious.Min();
        MaxIou = ious.Count == 0 ? 1.0 : ious.Max();
    }

    public IReadOnlyList<KeyValuePair<string, IouCounts>> PerTensor { get; }

    /// <summary>Sums over all tensors, so large tensors weigh by their size.</summary>
    public IouCounts Aggregate { get; }

    /// <summary>Unweighted over tensors; 1 for an empty comparison.</summary>
    public double MeanIou { get; }

    public double MinIou { get; }

    public double MaxIou { get; }

    /// <summary>Rows for the Jaccard table: one per tensor, then "*" for the aggregate.</summary>
    public IEnumerable<TensorIou> ToRows(string comparison) =>
        PerTensor.Select(p => Row(comparison, p.Key, p.Value)).Append(Row(comparison, "*", Aggregate));

    private static TensorIou Row(string comparison, string tensor, IouCounts c) =>
        new(comparison, tensor, c.SizeA, c.SizeB, c.Intersection, c.Union, c.Iou, c.OverlapOfA, c.OverlapOfB, c.Chance);
}
