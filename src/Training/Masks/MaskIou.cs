using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// IoU between mask sets. <see cref="CompareOnDevice"/> counts with tensor ops on the masks' device and
/// one host transfer at the end (the GPU path); <see cref="Compare(PackedMaskSet, PackedMaskSet)"/> uses
/// bit-packed popcounts (the CPU path, where libtorch's bool reductions are two orders of magnitude slower).
/// </summary>
public static class MaskIou
{
    /// <summary>Packed popcounts when both sets live on the CPU, tensor ops on their device otherwise.</summary>
    public static IouComparison Compare(MaskSet a, MaskSet b)
    {
        MaskMismatchException.ThrowIfIncompatible(a, b);
        var onCpu = a.Names.All(n => a[n].device_type == DeviceType.CPU && b[n].device_type == DeviceType.CPU);
        return onCpu ? Compare(PackedMaskSet.From(a), PackedMaskSet.From(b)) : CompareOnDevice(a, b);
    }

    public static IouComparison CompareOnDevice(MaskSet a, MaskSet b) => CompareManyOnDevice([a, b], [(0, 1)])[0];

    /// <summary>
    /// Several comparisons among up to eight mask sets in one pass on their device. Each position gets
    /// a code whose bit k says whether set k keeps it; one bincount per group of same-shaped tensors
    /// (stacked, so a 270M model needs ~100 kernel launches rather than thousands) counts the codes per
    /// tensor, and every set size and pairwise intersection follows from those counts on the host.
    /// One host transfer in all.
    /// </summary>
    public static IReadOnlyList<IouComparison> CompareManyOnDevice(IReadOnlyList<MaskSet> sets, IReadOnlyList<(int A, int B)> pairs)
    {
        if (sets.Count is < 1 or > 8) throw new ArgumentException($"Between 1 and 8 mask sets can be compared at once, got {sets.Count}.");
        foreach (var other in sets.Skip(1)) MaskMismatchException.ThrowIfIncompatible(sets[0], other);
        var names = sets[0].Names;
        var bins = 1 << sets.Count;
        var histogramRow = new int[names.Count];
        long[] histograms = [];
        if (names.Count > 0)
        {
            using var scope = NewDisposeScope();
            var groups = Enumerable.Range(0, names.Count)
                .GroupBy(i => string.Join(",", sets[0][names[i]].shape))
                .Select(g => g.ToList()).ToList();
            var parts = new List<Tensor>();
            var row = 0;
            foreach (var group in groups)
            {
                var code = Stack(sets[0], names, group).to(ScalarType.Byte);
                for (var k = 1; k < sets.Count; k++) code.add_(Stack(sets[k], names, group), Scalars.OfInteger(1 << k));
                var offsetShape = new long[code.dim()];
                Array.Fill(offsetShape, 1L);
                offsetShape[0] = group.Count;
                var offsets = arange(group.Count, ScalarType.Int32, code.device).mul_(Scalars.OfInteger(bins)).view(offsetShape);
                parts.Add(code.add(offsets).flatten().bincount(null, (long)bins * group.Count));
                foreach (var index in group) histogramRow[index] = row++;
            }
            histograms = cat(parts.ToArray()).cpu().data<long>().ToArray();
        }

        return pairs.Select(pair => new IouComparison(names.Select((name, i) =>
        {
            var h = histograms.AsSpan(histogramRow[i] * bins, bins);
            long sizeA = 0, sizeB = 0, both = 0;
            for (var c = 0; c < bins; c++)
            {
                var inA = (c >> pair.A & 1) != 0;
                var inB = (c >> pair.B & 1) != 0;
                if (inA) sizeA += h[c];
                if (inB) sizeB += h[c];
                if (inA && inB) both += h[c];
            }
            return new KeyValuePair<string, IouCounts>(name, new IouCounts(sets[0][name].numel(), sizeA, sizeB, both));
        }).ToList())).ToList();
    }

    private static Tensor Stack(MaskSet set, IReadOnlyList<string> names, List<int> group) =>
        group.Count == 1 ? set[names[group[0]]].unsqueeze(0) : stack(group.Select(i => set[names[i]]).ToArray());

    public static IouComparison Compare(PackedMaskSet a, PackedMaskSet b)
    {
        PackedMaskSet.ThrowIfIncompatible(a, b);
        return new IouComparison(a.Names.Select(n =>
        {
            var (x, y) = (a[n], b[n]);
            return new KeyValuePair<string, IouCounts>(n,
                new IouCounts(x.Length, x.Count, y.Count, PackedMask.IntersectionCount(x, y)));
        }).ToList());
    }
}
