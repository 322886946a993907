using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Moves between a full 2-D tensor [R, C] and the stack of its active blocks [nnz, B, B]. Edge
/// blocks are zero-padded to B x B, the way the native library stores them.
/// </summary>
public static class BlockTiling
{
    /// <summary>The active blocks of <paramref name="full"/>, zero-padded, as a new [nnz, B, B] tensor.</summary>
    public static Tensor Gather(Tensor full, BlockLayout layout, Tensor blockIds)
    {
        using var scope = NewDisposeScope();
        var all = AllBlocks(full, layout);
        return all.index_select(0, blockIds).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A copy of <paramref name="basis"/> [R, C] whose active blocks are replaced by
    /// <paramref name="blocks"/> [nnz, B, B]; everything else keeps the basis' exact values.
    /// </summary>
    public static Tensor Scatter(Tensor blocks, Tensor basis, BlockLayout layout, Tensor blockIds)
    {
        using var scope = NewDisposeScope();
        var b = layout.BlockSize;
        var all = AllBlocks(basis, layout);
        all.index_copy_(0, blockIds, blocks.to(all.dtype));
        var padded = all.view(layout.BlockRows, layout.BlockCols, b, b).permute(0, 2, 1, 3)
            .reshape(layout.BlockRows * (long)b, layout.BlockCols * (long)b);
        return padded.narrow(0, 0, layout.Rows).narrow(1, 0, layout.Cols).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The block ids of a layout as an int64 tensor on <paramref name="device"/>.</summary>
    public static Tensor BlockIds(BlockLayout layout, Device device) => tensor(layout.LinearBlockIds(), device: device);

    // [BlockRows * BlockCols, B, B], a contiguous copy.
    private static Tensor AllBlocks(Tensor full, BlockLayout layout)
    {
        if (full.ndim != 2 || full.shape[0] != layout.Rows || full.shape[1] != layout.Cols)
            throw new ArgumentException($"tensor of shape [{string.Join(", ", full.shape)}] does not match the layout's {layout.Rows} x {layout.Cols}");
        var b = layout.BlockSize;
        var padRows = layout.BlockRows * (long)b - layout.Rows;
        var padCols = layout.BlockCols * (long)b - layout.Cols;
        var padded = padRows == 0 && padCols == 0 ? full : nn.functional.pad(full, [0, padCols, 0, padRows]);
        return padded.reshape(layout.BlockRows, b, layout.BlockCols, b).permute(0, 2, 1, 3)
            .reshape(layout.BlockRows * (long)layout.BlockCols, b, b);
    }
}
