using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Torch.Interop;

/// <summary>Raw memory of TorchSharp tensors for native calls, with the checks those calls rely on.</summary>
public static class TensorMemory
{
    /// <summary>The first element's address (storage offset included) on the tensor's device.</summary>
    public static unsafe void* DataPointer(Tensor tensor)
    {
        var pointer = NativeMethods.THSTensor_data(tensor.Handle);
        if (pointer == IntPtr.Zero && tensor.numel() > 0)
            throw new InvalidOperationException("THSTensor_data returned null for a non-empty tensor");
        return (void*)pointer;
    }

    /// <summary>
    /// The address of <paramref name="parameter"/>'s gradient, or zero when it has none (or libtorch
    /// reported an error: the managed <c>grad</c> then says which). Goes through a native handle
    /// that is freed at once instead of a managed tensor, so that an optimizer step over hundreds
    /// of parameters allocates nothing and makes three cheap calls per gradient. The gradient's
    /// memory stays owned by the parameter.
    /// </summary>
    public static IntPtr GradDataPointer(Tensor parameter)
    {
        var grad = NativeMethods.THSTensor_grad(parameter.Handle);
        if (grad == IntPtr.Zero) return IntPtr.Zero;
        try
        {
            return NativeMethods.THSTensor_data(grad);
        }
        finally
        {
            NativeMethods.THSTensor_dispose(grad);
        }
    }

    /// <summary>Plan device code and index for a tensor's device.</summary>
    public static (int Type, int Index) DeviceOf(Tensor tensor) => tensor.device_type switch
    {
        DeviceType.CPU => (DtnConstants.DeviceCpu, 0),
        DeviceType.CUDA => (DtnConstants.DeviceCuda, tensor.device_index < 0 ? 0 : tensor.device_index),
        var other => throw new NotSupportedException($"BSR-AdamW runs on CPU or CUDA tensors, not on {other}"),
    };
}
