using DeltaTui.Training.Config;
using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Cuts boolean masks from scores: the top (1 − sparsity) fraction of units (elements or blocks)
/// is kept, ranked globally, per tensor, or globally with a per-tensor floor. Masks come back as
/// element masks on the scores' device, in the scores' order.
/// </summary>
public static class MaskBuilder
{
    public static MaskSet Build(IReadOnlyList<NamedTensor> scores, MaskOptions options)
    {
        options.Validate();
        var names = scores.Select(s => s.Name).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ArgumentException("Score tensors must have distinct names.");

        using var scope = NewDisposeScope();
        var keys = scores.Select(s => FlatUnitScores(s.Name, s.Tensor, options)).ToList();
        var selected = options.Scope switch
        {
            MaskScope.Global => TopKSelector.Select(keys, MaskOptions.KeptCount(options.Sparsity, keys.Sum(k => k.numel()))),
            MaskScope.PerTensor => keys.Select(k => TopKSelector.Select([k], MaskOptions.KeptCount(options.Sparsity, k.numel()))[0]).ToArray(),
            MaskScope.Hybrid => SelectHybrid(keys, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };

        var set = new MaskSet();
        for (var i = 0; i < scores.Count; i++)
        {
            var shape = scores[i].Tensor.shape;
            var mask = options.Granularity == MaskGranularity.Block
                ? BlockPooling.Expand(selected[i].view(BlockGridShape(shape, options.BlockSize)), shape, options.BlockSize)
                : selected[i].view(shape).contiguous();
            set.Add(scores[i].Name, mask.MoveToOuterDisposeScope());
        }
        return set;
    }

    /// <summary>Units kept per tensor when every tensor gets at least the hybrid floor: ceil(floor × units).</summary>
    public static long FloorCount(double floor, long units) => Math.Min(units, (long)Math.Ceiling(floor * units - 1e-9));

    // Each tensor first keeps its own top floor share; the rest of the budget is ranked globally
    // among the units not yet kept. When the floors alone exceed the budget, the floors win.
    private static Tensor[] SelectHybrid(List<Tensor> keys, MaskOptions options)
    {
        var budget = MaskOptions.KeptCount(options.Sparsity, keys.Sum(k => k.numel()));
        var floors = keys.Select(k => TopKSelector.Select([k], FloorCount(options.HybridFloor, k.numel()))[0]).ToArray();
        var floorTotal = keys.Select(k => FloorCount(options.HybridFloor, k.numel())).Sum();
        var rest = Math.Max(0, budget - floorTotal);
        var remaining = keys.Select((k, i) => k.masked_fill(floors[i], Scalars.Of(float.NegativeInfinity))).ToList();
        var global = TopKSelector.Select(remaining, rest);
        return floors.Select((f, i) => f.logical_or(global[i])).ToArray();
    }

    // Flat fp32 scores per unit. NaN and −∞ are refused: NaN has no rank and −∞ is the selector's
    // marker for units already taken.
    private static Tensor FlatUnitScores(string name, Tensor score, MaskOptions options)
    {
        var units = options.Granularity == MaskGranularity.Block
            ? BlockPooling.Pool(score, options.BlockSize)
            : score.to(ScalarType.Float32);
        var flat = units.contiguous().flatten();
        if (CpuRadixSelect.Applies([flat]))
        {
            if (CpuRadixSelect.FindUnrankable(flat) is { } bad)
                throw new ArgumentException($"Score tensor '{name}' contains {bad}.");
        }
        else
        {
            if (flat.isnan().any().cpu().item<bool>())
                throw new ArgumentException($"Score tensor '{name}' contains NaN.");
            if (flat.eq(Scalars.Of(float.NegativeInfinity)).any().cpu().item<bool>())
                throw new ArgumentException($"Score tensor '{name}' contains -inf.");
        }
        return flat;
    }

    private static long[] BlockGridShape(long[] shape, int blockSize)
    {
        var (rows, cols) = BlockPooling.GridShape(shape, blockSize);
        return [rows, cols];
    }
}
