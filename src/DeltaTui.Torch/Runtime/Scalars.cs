using System.Collections.Concurrent;
using TorchSharp;

namespace DeltaTui.Torch.Runtime;

/// <summary>
/// Numbers for tensor operations, as TorchSharp Scalars that stay alive. TorchSharp turns a number into a
/// native Scalar object for each call, and nothing holds that object during the native call: the garbage
/// collector may finalize it, freeing the c10::Scalar while libtorch still reads it ("Unknown scalar type",
/// or a wrong number). It happens more often the more the process allocates (a dashboard redrawing beside
/// training), and it ends a run. Constants of the model and the loss come from this cache and live for the
/// process; a value that changes every step (a running mean's weight) is made with ToScalar() and held in a
/// <c>using</c> for the duration of the call instead.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Doubles = new();
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    /// <summary>A floating-point Scalar (keeps float tensors' dtype; promotes integer tensors to float).</summary>
    public static Scalar Of(double value) =>
        Doubles.GetOrAdd(BitConverter.DoubleToInt64Bits(value), bits => BitConverter.Int64BitsToDouble(bits).ToScalar());

    /// <summary>An integer Scalar (keeps integer tensors' dtype).</summary>
    public static Scalar OfInteger(long value) => Integers.GetOrAdd(value, v => v.ToScalar());
}
