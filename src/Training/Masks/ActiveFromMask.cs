using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// optimizer.active_from: a saved element mask (e.g. the Magnitude mask of an earlier dense run) pooled to the B×B
/// blocks of a block-sparse optimizer. Per 2-D weight, the blocks are ranked by the share of their elements the
/// mask keeps, and the round(density × blocks) highest are active, but never a block the mask does not touch: at
/// density 1 every touched block is active. A weight the mask does not name is frozen. Ties go to the lower block id.
/// </summary>
public static class ActiveFromMask
{
    /// <returns>A bool block mask [ceil(rows/B), ceil(cols/B)] on the CPU per weight (the caller disposes them).</returns>
    public static Dictionary<string, Tensor> PoolToBlocks(MaskSet mask, IEnumerable<(string Name, long[] Shape)> blockedWeights, int blockSize, double density)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in blockedWeights)
        {
            var (br, bc) = BlockPooling.GridShape(shape, blockSize);
            if (!mask.Contains(name))
            {
                result[name] = zeros([br, bc], ScalarType.Bool);
                continue;
            }
            using var scope = NewDisposeScope();
            var share = BlockPooling.Pool(mask[name].to(CPU), blockSize).flatten();
            long total = br * bc;
            long count = Math.Min(Math.Max(1, (long)Math.Round(density * total)), total);
            // A stable sort of the negated shares keeps equal shares in block-id order.
            var (sorted, order) = (-share).sort(dim: 0, descending: false, stable: true);
            var touched = (sorted < 0).sum().item<long>();
            var chosen = order.narrow(0, 0, Math.Min(count, touched));
            var flags = zeros(total, ScalarType.Bool);
            if (chosen.numel() > 0) flags.index_fill_(0, chosen, true);
            result[name] = flags.reshape(br, bc).MoveToOuterDisposeScope();
        }
        return result;
    }
}
