using DeltaTui.Torch.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>Picks the BSR-AdamW backend: native when the library loads (and can serve the device), else the reference.</summary>
public static class BsrAdamWFactory
{
    /// <param name="why">Why the reference was chosen; null when native.</param>
    public static IBsrAdamW Create(IReadOnlyList<BsrParameter> parameters, BsrAdamWOptions options, out string? why)
    {
        var status = NativeBackend.Status;
        var cuda = parameters.Count > 0 && parameters[0].Tensor.device_type == DeviceType.CUDA;
        why = !status.Available ? status.Error
            : cuda && !status.CudaCompiled ? "the native library was built without CUDA"
            : null;
        return why is null ? new NativeBsrAdamW(parameters, options) : new BsrAdamWReference(parameters, options);
    }
}
