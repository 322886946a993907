using DeltaTui.Torch.Interop;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace DeltaTui.Gemma;

/// <summary>
/// Gemma's RMSNorm as one autograd node over libdeltatui_native's kernels: it keeps the input (already
/// alive as the layer's activation) and one fp32 rstd per row, where the TorchSharp formulation records ten
/// nodes and keeps two fp32 copies of the activations. Without gradients it is one kernel and nothing is kept.
/// </summary>
internal sealed class NativeRmsNormFunction : SingleTensorFunction<NativeRmsNormFunction>
{
    public override string Name => nameof(NativeRmsNormFunction);

    /// <summary>Whether <see cref="Run"/> takes this input: on CUDA (or the CPU when <paramref name="allowOnCpu"/>) and supported by the library.</summary>
    public static bool Applies(Tensor input, Tensor weight, bool allowOnCpu) =>
        (input.device_type == TorchSharp.DeviceType.CUDA || (allowOnCpu && input.device_type == TorchSharp.DeviceType.CPU))
        && NativeRmsNorm.Supports(input, weight);

    /// <summary>For inputs that passed <see cref="Applies"/> (not checked again).</summary>
    public static Tensor Run(Tensor input, Tensor weight, double eps, ReturnedGradients returned)
    {
        if (!is_grad_enabled() || !(input.requires_grad || weight.requires_grad))
        {
            using var noGrad = no_grad();
            return NativeRmsNorm.Forward(input, weight, eps, keepRstd: false, supportChecked: true).Output;
        }
        return apply(input, weight, eps, returned);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (input, weight, eps) = ((Tensor)vars[0], (Tensor)vars[1], (double)vars[2]);
        var (output, rstd) = NativeRmsNorm.Forward(input, weight, eps, keepRstd: true, supportChecked: true);
        ctx.save_for_backward([input, weight, rstd!]);
        ctx.save_data("returned", vars[3]);
        return output;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var returned = (ReturnedGradients)ctx.get_data("returned");
        using var incoming = returned.BeginCallback(gradOutput);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var saved = ctx.get_saved_variables();
        var (input, weight, rstd) = (saved[0], saved[1], saved[2]);
        var (inputGradient, weightGradient) = NativeRmsNorm.Backward(input, weight, rstd, gradOutput, supportChecked: true);
        Tensor? dx = input.requires_grad ? returned.Track(inputGradient.MoveToOuterDisposeScope()) : null;
        Tensor? dw = weight.requires_grad ? returned.Track(weightGradient.to_type(weight.dtype).MoveToOuterDisposeScope()) : null;
        return [dx!, dw!, null!, null!];
    }
}
