using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// B×B tiling over a tensor's last two dimensions (leading dimensions are folded into rows; a 1-D
/// tensor is one row). Edge tiles may be partial; a tile's score is the mean of the entries it covers.
/// </summary>
public static class BlockPooling
{
    public static (long Rows, long Cols) AsMatrix(long[] shape) => shape.Length switch
    {
        0 => (1, 1),
        1 => (1, shape[0]),
        _ => (shape[..^1].Aggregate(1L, (a, b) => a * b), shape[^1]),
    };

    public static (long BlockRows, long BlockCols) GridShape(long[] shape, int blockSize)
    {
        var (rows, cols) = AsMatrix(shape);
        return (Ceil(rows, blockSize), Ceil(cols, blockSize));
    }

    /// <summary>Mean score of every tile, shaped [block rows, block cols], fp32.</summary>
    public static Tensor Pool(Tensor score, int blockSize)
    {
        using var scope = NewDisposeScope();
        var (rows, cols) = AsMatrix(score.shape);
        var (br, bc) = (Ceil(rows, blockSize), Ceil(cols, blockSize));
        var matrix = score.to(ScalarType.Float32).reshape(rows, cols);
        var padded = nn.functional.pad(matrix, [0, bc * blockSize - cols, 0, br * blockSize - rows]);
        var sums = padded.view(br, blockSize, bc, blockSize).sum([1, 3], type: ScalarType.Float64);
        var rowCounts = TileExtents(rows, br, blockSize, score.device);
        var colCounts = TileExtents(cols, bc, blockSize, score.device);
        var means = sums.div(rowCounts.unsqueeze(1).mul(colCounts.unsqueeze(0))).to(ScalarType.Float32);
        return means.MoveToOuterDisposeScope();
    }

    /// <summary>Turns a [block rows, block cols] mask back into an element mask of <paramref name="shape"/>.</summary>
    public static Tensor Expand(Tensor blockMask, long[] shape, int blockSize)
    {
        using var scope = NewDisposeScope();
        var (rows, cols) = AsMatrix(shape);
        var expanded = blockMask
            .repeat_interleave(blockSize, 0).repeat_interleave(blockSize, 1)
            .narrow(0, 0, rows).narrow(1, 0, cols)
            .reshape(shape).contiguous();
        return expanded.MoveToOuterDisposeScope();
    }

    private static Tensor TileExtents(long length, long tiles, int blockSize, Device device)
    {
        var extents = full(tiles, (double)blockSize, ScalarType.Float64, device);
        extents[tiles - 1] = length - (tiles - 1) * blockSize;
        return extents;
    }

    private static long Ceil(long a, int b) => (a + b - 1) / b;
}
