using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>Chooses a weight's active blocks from a score, for BSR-AdamW's (re-)selection.</summary>
public static class BlockSelection
{
    /// <summary>
    /// The round(density × blocks) blocks of highest mean score (mean over the block's elements
    /// inside the weight, so partial edge blocks are not penalised); ties go to the lower block id.
    /// </summary>
    public static BlockLayout TopBlocks(Tensor score, int blockSize, double density)
    {
        if (score.ndim != 2) throw new ArgumentException($"a block score needs a 2-D weight score, got {score.ndim}-D");
        if (!(density >= 0 && density <= 1)) throw new ArgumentException($"density must be in [0, 1], got {density}");
        long rows = score.shape[0], cols = score.shape[1];
        var empty = BlockLayout.Empty(rows, cols, blockSize);
        var count = (int)Math.Round(density * empty.TotalBlocks);
        if (count == 0) return empty;
        using var scope = NewDisposeScope();
        var all = BlockLayout.Dense(rows, cols, blockSize);
        var ids = BlockTiling.BlockIds(all, score.device);
        var sums = BlockTiling.Gather(score.to(ScalarType.Float64), all, ids).sum([1, 2]);
        var ones = ones_like(score, dtype: ScalarType.Float64);
        var counts = BlockTiling.Gather(ones, all, ids).sum([1, 2]);
        var mean = (sums / counts).cpu();
        // A stable sort of the negated means keeps equal scores in block-id order.
        var (_, order) = (-mean).sort(dim: 0, descending: false, stable: true);
        var chosen = order.narrow(0, 0, count).data<long>().ToHashSet();
        var nbc = all.BlockCols;
        return BlockLayout.FromBlockMask(rows, cols, blockSize, (r, c) => chosen.Contains((long)r * nbc + c));
    }
}
