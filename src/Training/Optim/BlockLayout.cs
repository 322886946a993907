using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// The active blocks of one 2-D weight [Rows, Cols] tiled into BlockSize x BlockSize blocks (edge
/// blocks partial), in block-sparse-row form: RowPtr over block rows, ColIdx the active block
/// columns of each block row in increasing order. Immutable.
/// </summary>
public sealed class BlockLayout
{
    public static readonly IReadOnlyList<int> SupportedBlockSizes = [16, 32, 64, 128];

    private readonly int[] rowPtr;
    private readonly int[] colIdx;

    public BlockLayout(long rows, long cols, int blockSize, int[] rowPtr, int[] colIdx)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"rows and cols must be positive, got {rows} x {cols}");
        if (!SupportedBlockSizes.Contains(blockSize))
            throw new ArgumentException($"block size {blockSize} is not one of {string.Join(", ", SupportedBlockSizes)}");
        Rows = rows;
        Cols = cols;
        BlockSize = blockSize;
        BlockRows = (int)((rows + blockSize - 1) / blockSize);
        BlockCols = (int)((cols + blockSize - 1) / blockSize);
        if (rowPtr.Length != BlockRows + 1)
            throw new ArgumentException($"row_ptr has {rowPtr.Length} entries, expected {BlockRows + 1} (block rows + 1)");
        if (rowPtr[0] != 0) throw new ArgumentException("row_ptr[0] must be 0");
        for (var r = 0; r < BlockRows; r++)
        {
            if (rowPtr[r + 1] < rowPtr[r]) throw new ArgumentException($"row_ptr decreases at block row {r}");
            for (var k = rowPtr[r]; k < rowPtr[r + 1]; k++)
            {
                if (k >= colIdx.Length) throw new ArgumentException($"row_ptr points past col_idx ({colIdx.Length} entries)");
                if (colIdx[k] < 0 || colIdx[k] >= BlockCols)
                    throw new ArgumentException($"col_idx[{k}] = {colIdx[k]} is outside 0..{BlockCols - 1}");
                if (k > rowPtr[r] && colIdx[k] <= colIdx[k - 1])
                    throw new ArgumentException($"col_idx of block row {r} is not strictly increasing");
            }
        }
        if (rowPtr[BlockRows] != colIdx.Length)
            throw new ArgumentException($"row_ptr ends at {rowPtr[BlockRows]} but col_idx has {colIdx.Length} entries");
        this.rowPtr = (int[])rowPtr.Clone();
        this.colIdx = (int[])colIdx.Clone();
    }

    public long Rows { get; }
    public long Cols { get; }
    public int BlockSize { get; }
    public int BlockRows { get; }
    public int BlockCols { get; }
    public int ActiveBlocks => colIdx.Length;
    public long TotalBlocks => (long)BlockRows * BlockCols;
    public double Density => (double)ActiveBlocks / TotalBlocks;

    /// <summary>Weight elements the active blocks cover (edge blocks count only their part inside the weight).</summary>
    public long ActiveElements
    {
        get
        {
            long n = 0;
            for (var r = 0; r < BlockRows; r++)
            {
                var rows = Math.Min(BlockSize, Rows - (long)r * BlockSize);
                for (var k = rowPtr[r]; k < rowPtr[r + 1]; k++) n += rows * Math.Min(BlockSize, Cols - (long)colIdx[k] * BlockSize);
            }
            return n;
        }
    }
    public ReadOnlySpan<int> RowPtr => rowPtr;
    public ReadOnlySpan<int> ColIdx => colIdx;

    /// <summary>Every block active: plain dense AdamW through the block path.</summary>
    public static BlockLayout Dense(long rows, long cols, int blockSize) =>
        FromBlockMask(rows, cols, blockSize, (_, _) => true);

    /// <summary>No block active: the weight is frozen.</summary>
    public static BlockLayout Empty(long rows, long cols, int blockSize) =>
        FromBlockMask(rows, cols, blockSize, (_, _) => false);

    /// <summary>From a predicate over (block row, block column).</summary>
    public static BlockLayout FromBlockMask(long rows, long cols, int blockSize, Func<int, int, bool> isActive)
    {
        var nbr = (int)((rows + blockSize - 1) / blockSize);
        var nbc = (int)((cols + blockSize - 1) / blockSize);
        var ptr = new int[nbr + 1];
        var idx = new List<int>();
        for (var r = 0; r < nbr; r++)
        {
            for (var c = 0; c < nbc; c++)
            {
                if (isActive(r, c)) idx.Add(c);
            }
            ptr[r + 1] = idx.Count;
        }
        return new BlockLayout(rows, cols, blockSize, ptr, idx.ToArray());
    }

    /// <summary>Exactly round(density × blocks) blocks drawn from <paramref name="random"/>, at least one.</summary>
    public static BlockLayout Random(long rows, long cols, int blockSize, double density, Random random)
    {
        var nbr = (rows + blockSize - 1) / blockSize;
        var nbc = (cols + blockSize - 1) / blockSize;
        var total = (int)(nbr * nbc);
        var count = Math.Clamp((int)Math.Round(density * total), 1, total);
        var ids = Enumerable.Range(0, total).OrderBy(_ => random.Next()).Take(count).ToHashSet();
        return FromBlockMask(rows, cols, blockSize, (r, c) => ids.Contains((int)(r * nbc + c)));
    }

    /// <summary>From a bool block mask of shape [ceil(rows/B), ceil(cols/B)] (any device).</summary>
    public static BlockLayout FromBlockMask(long rows, long cols, int blockSize, Tensor blockMask)
    {
        var nbr = (rows + blockSize - 1) / blockSize;
        var nbc = (cols + blockSize - 1) / blockSize;
        if (blockMask.dtype != ScalarType.Bool) throw new ArgumentException($"a block mask must be bool, got {blockMask.dtype}");
        if (blockMask.ndim != 2 || blockMask.shape[0] != nbr || blockMask.shape[1] != nbc)
            throw new ArgumentException($"block mask has shape [{string.Join(", ", blockMask.shape)}], expected [{nbr}, {nbc}] for a {rows} x {cols} weight with {blockSize} x {blockSize} blocks");
        using var cpu = blockMask.to(CPU).contiguous();
        var flags = cpu.data<bool>().ToArray();
        return FromBlockMask(rows, cols, blockSize, (r, c) => flags[(long)r * nbc + c]);
    }

    /// <summary>Linear ids (block row * BlockCols + block column) of the active blocks, in storage order.</summary>
    public long[] LinearBlockIds()
    {
        var ids = new long[ActiveBlocks];
        for (var r = 0; r < BlockRows; r++)
        {
            for (var k = rowPtr[r]; k < rowPtr[r + 1]; k++) ids[k] = (long)r * BlockCols + colIdx[k];
        }
        return ids;
    }

    /// <summary>The bool block mask [BlockRows, BlockCols] on the CPU.</summary>
    public Tensor ToBlockMask()
    {
        var flags = new bool[TotalBlocks];
        foreach (var id in LinearBlockIds()) flags[id] = true;
        return tensor(flags).reshape(BlockRows, BlockCols);
    }

    public bool SameShape(BlockLayout other) =>
        Rows == other.Rows && Cols == other.Cols && BlockSize == other.BlockSize;
}
