using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Torch.Interop;

/// <summary>
/// Token log-probabilities over the vocabulary in libdeltatui_native: logsumexp and the picked logit
/// in one read of the (bf16) logits, and the gradient written over the logits in place, so that no
/// fp32 [rows, vocab] tensor is ever made. Callers keep the TorchSharp formulation where
/// <see cref="Supports"/> says no.
/// </summary>
public static class NativeTokenLogProbs
{
    /// <summary>Whether the library can take these [rows, vocab] logits: loaded, a backend for the device, float32 or bfloat16, rows contiguous.</summary>
    public static bool Supports(Tensor logits)
    {
        if (logits.dim() != 2 || logits.stride(1) != 1 || logits.dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
            return false;
        if (!NativeBackend.IsAvailable) return false;
        return logits.device_type switch
        {
            DeviceType.CPU => true,
            DeviceType.CUDA => NativeBackend.Status.TokenLogProbsOnCuda,
            _ => false,
        };
    }

    /// <summary>[rows] fp32 log p(target) and [rows] fp32 logsumexp of each row of <paramref name="logits"/> [rows, vocab].</summary>
    public static unsafe (Tensor LogProbs, Tensor LogSumExp) Forward(Tensor logits, Tensor targets)
    {
        var (rows, vocab, ld) = Shape(logits);
        var flatTargets = Rowwise(targets, logits, rows, ScalarType.Int64, nameof(targets));
        var logProbs = empty(rows, dtype: ScalarType.Float32, device: logits.device);
        var logSumExp = empty(rows, dtype: ScalarType.Float32, device: logits.device);
        var (type, index) = TensorMemory.DeviceOf(logits);
        NativeMethods.Check(NativeMethods.dtn_token_logprobs(type, index, (int)logits.dtype, TensorMemory.DataPointer(logits), rows, vocab, ld,
            TensorMemory.DataPointer(flatTargets), TensorMemory.DataPointer(logProbs), TensorMemory.DataPointer(logSumExp)), "dtn_token_logprobs");
        GC.KeepAlive(flatTargets);
        return (logProbs, logSumExp);
    }

    /// <summary>
    /// Overwrites <paramref name="logits"/> [rows, vocab] with the gradient of Σ weight·log p(target):
    /// weight·(onehot(target) − softmax), in the logits' dtype. <paramref name="logSumExp"/> comes from <see cref="Forward"/>.
    /// </summary>
    public static unsafe void BackwardInPlace(Tensor logits, Tensor targets, Tensor logSumExp, Tensor weight)
    {
        var (rows, vocab, ld) = Shape(logits);
        var flatTargets = Rowwise(targets, logits, rows, ScalarType.Int64, nameof(targets));
        var lse = Rowwise(logSumExp, logits, rows, ScalarType.Float32, nameof(logSumExp));
        var w = Rowwise(weight, logits, rows, ScalarType.Float32, nameof(weight));
        var (type, index) = TensorMemory.DeviceOf(logits);
        NativeMethods.Check(NativeMethods.dtn_token_logprobs_backward(type, index, (int)logits.dtype, TensorMemory.DataPointer(logits), rows, vocab, ld,
            TensorMemory.DataPointer(flatTargets), TensorMemory.DataPointer(lse), TensorMemory.DataPointer(w)), "dtn_token_logprobs_backward");
        GC.KeepAlive(flatTargets);
        GC.KeepAlive(lse);
        GC.KeepAlive(w);
    }

    private static (long Rows, long Vocab, long Ld) Shape(Tensor logits)
    {
        if (!Supports(logits))
            throw new ArgumentException($"token log-probs need [rows, vocab] float32/bfloat16 logits with contiguous rows on a device the native library serves; got {logits.dtype} [{string.Join(", ", logits.shape)}] on {logits.device}", nameof(logits));
        return (logits.shape[0], logits.shape[1], logits.shape[0] > 1 ? logits.stride(0) : logits.shape[1]);
    }

    /// <summary>One value per row, as the contiguous [rows] tensor of <paramref name="dtype"/> on the logits' device that the library reads.</summary>
    private static Tensor Rowwise(Tensor values, Tensor logits, long rows, ScalarType dtype, string name)
    {
        if (values.numel() != rows)
            throw new ArgumentException($"expected {rows} values in {name}, got {values.numel()}", name);
        return values.to(logits.device).to_type(dtype).reshape(rows).contiguous();
    }
}
