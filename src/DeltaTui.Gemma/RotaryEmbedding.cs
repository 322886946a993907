using DeltaTui.Torch.Runtime;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

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

    /// <summary>
    /// The sin table with its first half negated, for <see cref="Apply"/>: rotate_half(x)·sin = [−x₂, x₁]·[s, s]
    /// = roll(x, half)·[−s, s], exactly (negating either factor of a product gives the same float).
    /// </summary>
    public static Tensor SignedSin(Tensor sin)
    {
        using var scope = NewDisposeScope();
        var half = sin.shape[^1] / 2;
        return cat([sin.narrow(-1, 0, half).neg(), sin.narrow(-1, half, half)], -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>x·cos + rotate_half(x)·sin</c> where rotate_half(x) = [−x₂, x₁] over the two halves of head_dim, with
    /// <paramref name="signedSin"/> from <see cref="SignedSin"/>: one roll instead of two slices, a negation and a
    /// concatenation, so four autograd nodes instead of seven (and no slice backwards, which each zero a full-size
    /// buffer), with the same result to the bit.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        return (x * cos).Plus(x.roll(half, -1) * signedSin).MoveToOuterDisposeScope();
    }
}
