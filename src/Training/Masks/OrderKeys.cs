using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Exact, order-preserving integer keys for fp32 scores, built from frexp (TorchSharp cannot
/// reinterpret float bits as ints). A positive float x = m·2^e (m in [0.5, 1)) has the key
/// (e + 149)·2^23 + (m·2^24 − 2^23) + 1, zero has 0, a negative float minus the key of its
/// magnitude; the key is then shifted by 2^32 so it is non-negative and fits 33 bits.
/// Equal floats (including +0 and −0) get equal keys, and the mapping is invertible
/// (<see cref="ToFloat"/>), so a threshold found on keys is an exact float.
/// </summary>
internal static class OrderKeys
{
    public const long Offset = 1L << 32;
    public const int Bits = 33;
    private const long MantissaScale = 1L << 23;

    /// <summary>Keys (int64, in [0, 2^33]) of a flat fp32 tensor without NaN.</summary>
    public static Tensor From(Tensor flatFloat)
    {
        using var scope = NewDisposeScope();
        var (mantissa, exponent) = flatFloat.abs().frexp();
        var magnitudeKey = exponent.to(ScalarType.Int64).PlusInteger(149).mul(Scalars.OfInteger(MantissaScale))
            .Plus(mantissa.to(ScalarType.Float64).mul(Scalars.OfInteger(1L << 24)).sub(Scalars.OfInteger(MantissaScale)).to(ScalarType.Int64))
            .PlusInteger(1);
        var signed = where(flatFloat.eq(Scalars.OfInteger(0)), zeros_like(magnitudeKey), where(flatFloat.lt(Scalars.OfInteger(0)), magnitudeKey.neg(), magnitudeKey));
        // Infinities sit just outside the finite range: -inf at key 0, +inf at the top key.
        var key = signed.PlusInteger(Offset)
            .masked_fill(flatFloat.eq(Scalars.Of(float.NegativeInfinity)), Scalars.OfInteger(0))
            .masked_fill(flatFloat.eq(Scalars.Of(float.PositiveInfinity)), Scalars.OfInteger(2 * Offset));
        return key.MoveToOuterDisposeScope();
    }

    /// <summary>The float a key stands for.</summary>
    public static float ToFloat(long key)
    {
        if (key <= 0) return float.NegativeInfinity;
        if (key >= 2 * Offset) return float.PositiveInfinity;
        var signed = key - Offset;
        if (signed == 0) return 0f;
        var magnitude = Math.Abs(signed) - 1;
        var exponent = (int)(magnitude / MantissaScale) - 149;
        var mantissa = (magnitude % MantissaScale + MantissaScale) / (double)(1L << 24);
        var value = (float)Math.ScaleB(mantissa, exponent);
        return signed < 0 ? -value : value;
    }
}
