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

    public static IouComparison CompareOnDevice(MaskSet a, MaskSet b)
    {
        MaskMismatchException.ThrowIfIncompatible(a, b);
        if (a.Count == 0) return new IouComparison([]);
        using var scope = NewDisposeScope();
        var rows = a.Names.Select(n => stack([
            a[n].count_nonzero(), b[n].count_nonzero(), a[n].logical_and(b[n]).count_nonzero(),
        ])).ToArray();
        var counts = stack(rows).cpu().data<long>().ToArray();
        return new IouComparison(a.Names.Select((n, i) => new KeyValuePair<string, IouCounts>(n,
            new IouCounts(a[n].numel(), counts[3 * i], counts[3 * i + 1], counts[3 * i + 2]))).ToList());
    }

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
