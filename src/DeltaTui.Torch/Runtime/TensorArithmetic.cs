using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Torch.Runtime;

/// <summary>
/// Addition without a Scalar that nothing keeps alive. TorchSharp's <c>a + b</c> and <c>add(x)</c> pass
/// an implicit Scalar 1 as alpha, which the garbage collector may free while libtorch reads it (see
/// <see cref="Scalars"/>); these pass a cached one. Subtraction and multiplication take no hidden Scalar.
/// </summary>
public static class TensorArithmetic
{
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, Scalars.OfInteger(1));

    public static Tensor Plus(this Tensor a, double constant) => a.add(Scalars.Of(constant), Scalars.OfInteger(1));

    public static Tensor PlusInteger(this Tensor a, long constant) => a.add(Scalars.OfInteger(constant), Scalars.OfInteger(1));

    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, Scalars.OfInteger(1));

    public static Tensor PlusInPlace(this Tensor a, Scalar constant) => a.add_(constant, Scalars.OfInteger(1));
}
