using static TorchSharp.torch;

namespace DeltaTui.Validation;

/// <summary>How far one tensor is from another, as a single number.</summary>
public static class TensorAgreement
{
    /// <summary>
    /// ‖a − b‖ / ‖b‖ over all elements, computed in float64 on the tensors' device (the absolute ‖a − b‖ when b is
    /// zero). A norm ratio rather than the worst element: an element near zero would make a per-element ratio
    /// meaningless, while every element still shows in the norm. NaN or infinity anywhere gives NaN.
    /// </summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"cannot compare shapes [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}]");
        using var scope = NewDisposeScope();
        var x = a.to(ScalarType.Float64);
        var y = b.to(ScalarType.Float64).to(x.device);
        var norms = stack([(x - y).norm(), y.norm()]).cpu().data<double>().ToArray();
        var (difference, reference) = (norms[0], norms[1]);
        if (!double.IsFinite(difference) || !double.IsFinite(reference)) return double.NaN;
        return reference == 0 ? difference : difference / reference;
    }
}
