using DeltaTui.Training.Runtime;
using static TorchSharp.torch;

namespace DeltaTui.Training.Model;

/// <summary>RoPE tables computed as transformers does: frequencies and angles in fp32, then cast to the model dtype.</summary>
public static class RotaryEmbedding
{
    public static (Tensor Cos, Tensor Sin) Tables(int headDim, double theta, RopeScaling scaling, long length, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var exponents = arange(0, headDim, 2, dtype: ScalarType.Int64, device: device).to_type(ScalarType.Float32) / headDim;
        var inverseFrequency = 1.0 / pow(tensor((float)theta, device: device), exponents);
        if (!scaling.IsNone)
        {
            // "linear" scaling: positions are compressed by the factor, i.e. frequencies divided by it.
            inverseFrequency = inverseFrequency / scaling.Factor;
        }
        var positions = arange(length, dtype: ScalarType.Float32, device: device);
        var angles = outer(positions, inverseFrequency);
        var doubled = cat([angles, angles], -1).view(1, 1, length, headDim);
        var cos = doubled.cos().to_type(dtype).MoveToOuterDisposeScope();
        var sin = doubled.sin().to_type(dtype).MoveToOuterDisposeScope();
        return (cos, sin);
    }

    /// <summary><c>x·cos + rotate_half(x)·sin</c> where rotate_half(x) = [−x₂, x₁] over the two halves of head_dim.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = cat([second.neg(), first], -1);
        return (x * cos).Plus(rotated * sin).MoveToOuterDisposeScope();
    }
}
