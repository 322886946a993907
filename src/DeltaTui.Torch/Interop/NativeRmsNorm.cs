using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Torch.Interop;

/// <summary>
/// Gemma's RMSNorm in libdeltatui_native: one kernel for the forward (instead of ten TorchSharp ops and
/// autograd nodes) that keeps one fp32 rstd per row, and one pass (plus a small reduction) for the backward,
/// which needs only the input and that rstd instead of two fp32 copies of the activations.
/// </summary>
public static class NativeRmsNorm
{
    /// <summary>Whether the library takes this input and weight: loaded, a backend for the device, one dtype (float32 or bfloat16), contiguous rows of the weight's length.</summary>
    public static bool Supports(Tensor input, Tensor weight)
    {
        if (input.dtype is not (ScalarType.Float32 or ScalarType.BFloat16) || weight.dtype != input.dtype) return false;
        if (input.dim() < 1 || weight.dim() != 1 || input.shape[^1] != weight.shape[0] || weight.shape[0] < 1 || weight.shape[0] > DtnConstants.RmsNormMaxColumns) return false;
        if (!input.is_contiguous() || !weight.is_contiguous() || input.device_type != weight.device_type || input.device_index != weight.device_index) return false;
        if (!NativeBackend.IsAvailable) return false;
        return input.device_type switch
        {
            DeviceType.CPU => true,
            DeviceType.CUDA => NativeBackend.Status.CudaCompiled,
            _ => false,
        };
    }

    /// <summary>The normalised input (its shape and dtype) and, when <paramref name="keepRstd"/>, the [rows] fp32 rstd the backward needs.</summary>
    /// <param name="supportChecked">
    /// The caller has just asked <see cref="Supports"/> about these tensors: the check (some fifteen calls into libtorch)
    /// is not repeated, since the model runs it for every norm of every forward and backward on the training step.
    /// </param>
    public static unsafe (Tensor Output, Tensor? Rstd) Forward(Tensor input, Tensor weight, double eps, bool keepRstd, bool supportChecked = false)
    {
        var (rows, cols) = Shape(input, weight, supportChecked);
        var output = empty_like(input);
        var rstd = keepRstd ? empty(rows, dtype: ScalarType.Float32, device: input.device) : null;
        var (type, index) = TensorMemory.DeviceOf(input);
        NativeMethods.Check(NativeMethods.dtn_rmsnorm(type, index, (int)input.dtype, TensorMemory.DataPointer(input), TensorMemory.DataPointer(weight),
            rows, cols, eps, TensorMemory.DataPointer(output), rstd is null ? null : (float*)TensorMemory.DataPointer(rstd)), "dtn_rmsnorm");
        return (output, rstd);
    }

    /// <summary>The input's gradient (its dtype) and the weight's gradient in fp32, from the forward's <paramref name="rstd"/> and the upstream gradient.</summary>
    /// <param name="supportChecked">As for <see cref="Forward"/>: the forward of these tensors passed <see cref="Supports"/>.</param>
    public static unsafe (Tensor InputGradient, Tensor WeightGradient) Backward(Tensor input, Tensor weight, Tensor rstd, Tensor outputGradient, bool supportChecked = false)
    {
        var (rows, cols) = Shape(input, weight, supportChecked);
        using var upstream = outputGradient.to_type(input.dtype).contiguous();
        if (!upstream.shape.SequenceEqual(input.shape)) throw new ArgumentException($"the output gradient is [{string.Join(", ", upstream.shape)}], the input [{string.Join(", ", input.shape)}]", nameof(outputGradient));
        if (rstd.dtype != ScalarType.Float32 || rstd.numel() != rows || !rstd.is_contiguous()) throw new ArgumentException($"rstd must be {rows} contiguous float32 values", nameof(rstd));
        var inputGradient = empty_like(input);
        var weightGradient = empty(cols, dtype: ScalarType.Float32, device: input.device);
        // Only the CUDA backward reduces the weight's gradient through a workspace.
        long floats = 0;
        if (input.device_type == DeviceType.CUDA) NativeMethods.Check(NativeMethods.dtn_rmsnorm_workspace(rows, cols, &floats), "dtn_rmsnorm_workspace");
        using var workspace = input.device_type == DeviceType.CUDA ? empty(Math.Max(floats, 1), dtype: ScalarType.Float32, device: input.device) : null;
        var (type, index) = TensorMemory.DeviceOf(input);
        NativeMethods.Check(NativeMethods.dtn_rmsnorm_backward(type, index, (int)input.dtype, TensorMemory.DataPointer(input), TensorMemory.DataPointer(weight),
            (float*)TensorMemory.DataPointer(rstd), TensorMemory.DataPointer(upstream), rows, cols, TensorMemory.DataPointer(inputGradient),
            (float*)TensorMemory.DataPointer(weightGradient), workspace is null ? null : (float*)TensorMemory.DataPointer(workspace)), "dtn_rmsnorm_backward");
        return (inputGradient, weightGradient);
    }

    private static (long Rows, long Cols) Shape(Tensor input, Tensor weight, bool supportChecked)
    {
        if (!supportChecked && !Supports(input, weight))
            throw new ArgumentException($"RMSNorm needs a contiguous float32/bfloat16 input whose last dimension is the weight's length (at most {DtnConstants.RmsNormMaxColumns}), on a device the native library serves; got {input.dtype} [{string.Join(", ", input.shape)}] with weight {weight.dtype} [{string.Join(", ", weight.shape)}] on {input.device}", nameof(input));
        var cols = weight.shape[0];
        return (input.numel() / cols, cols);
    }
}
