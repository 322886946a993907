using DeltaTui.Torch.Interop;
using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace DeltaTui.Gemma;

/// <summary>Where the vocabulary-wide part of the token log-probs runs.</summary>
internal enum TokenLogProbsPath
{
    /// <summary>libdeltatui_native on CUDA tensors when it was built with the CUDA token log-prob kernels, TorchSharp ops elsewhere.</summary>
    Auto,
    TorchSharp,
    /// <summary>libdeltatui_native on any device it serves (its CPU backend too).</summary>
    Native,
}

/// <summary>
/// Sum of masked token log-probabilities for one chunk of positions, with recomputation: the
/// <c>[B,chunk,V]</c> logits exist only while a chunk is being computed, in forward and again in
/// backward, instead of being kept alive by the autograd graph for every chunk at once. With the
/// native kernels (the CPU backend always; on a GPU when libdeltatui_native was built with
/// DTN_TOKEN_LOGPROBS_CUDA) the logits are read in their own dtype (bf16) and the gradient is written
/// over them, so no fp32 copy of the chunk's logits is made at all.
/// </summary>
internal sealed class ChunkTokenLogProbs : SingleTensorFunction<ChunkTokenLogProbs>
{
    /// <summary>For tests: forces a path for calls made from this async flow.</summary>
    internal static readonly AsyncLocal<TokenLogProbsPath> PathOverride = new();

    public override string Name => nameof(ChunkTokenLogProbs);

    /// <param name="hidden">[B,C,H] final hidden states at the predicting positions.</param>
    /// <param name="head">[V,H] output projection (the tied embedding).</param>
    /// <param name="targets">[B,C] int64 next tokens.</param>
    /// <param name="mask">[B,C] bool: which targets count.</param>
    /// <param name="returned">The calling model's <see cref="Gemma3ForCausalLM.ReturnedGradients"/>.</param>
    /// <param name="allowNative">false keeps TorchSharp ops on every device (<see cref="Gemma3ForCausalLM.NativeLogProbs"/>).</param>
    public static Tensor Run(Tensor hidden, Tensor head, Tensor targets, Tensor mask, double? softcap, ReturnedGradients returned, bool allowNative = true)
    {
        var native = allowNative && UseNative(hidden, head, softcap);
        if (!is_grad_enabled() || !(hidden.requires_grad || head.requires_grad))
        {
            using var noGrad = no_grad();
            var (sum, logSumExp) = Compute(hidden, head, targets, mask, softcap, native);
            logSumExp.Dispose();
            return sum;
        }
        return apply(hidden, head, targets, mask, softcap ?? double.NaN, native, returned);
    }

    private static bool UseNative(Tensor hidden, Tensor head, double? softcap)
    {
        if (softcap is not null || head.dtype is not (ScalarType.Float32 or ScalarType.BFloat16) || !NativeBackend.IsAvailable)
            return false;
        return PathOverride.Value switch
        {
            TokenLogProbsPath.TorchSharp => false,
            TokenLogProbsPath.Native => hidden.device_type == DeviceType.CPU || NativeBackend.Status.TokenLogProbsOnCuda,
            _ => hidden.device_type == DeviceType.CUDA && NativeBackend.Status.TokenLogProbsOnCuda,
        };
    }

    /// <summary>[B] fp32 Σ_t mask·log softmax(softcap(hidden·headᵀ))[target], and the [B,C] fp32 logsumexp of each position.</summary>
    private static (Tensor Sum, Tensor LogSumExp) Compute(Tensor hidden, Tensor head, Tensor targets, Tensor mask, double? softcap, bool native)
    {
        using var scope = NewDisposeScope();
        var logits = Capped(nn.functional.linear(hidden, head), softcap);
        Tensor picked, logSumExp;
        if (native && NativeRows(logits) is { } rows)
        {
            var (logProbs, lse) = NativeTokenLogProbs.Forward(rows, targets);
            (picked, logSumExp) = (logProbs.view(targets.shape), lse.view(targets.shape));
        }
        else
        {
            // log softmax(x)[t] = x[t] − logsumexp(x), the logsumexp as libtorch computes it (max, exp(x − max)
            // summed, infinite maxima taken as 0) but in place on the one fp32 copy: logsumexp() would make a
            // second fp32 [B,C,V] temporary beside it, and the bf16 logits are freed once converted.
            var wide = logits.to_type(ScalarType.Float32);
            logits.Dispose();
            var raw = wide.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
            var max = wide.amax([-1], keepdim: true);
            max.masked_fill_(max.isinf(), Scalars.Of(0.0));
            logSumExp = wide.sub_(max).exp_().sum([-1]).log_().PlusInPlace(max.squeeze(-1));
            wide.Dispose();
            picked = raw - logSumExp;
        }
        var masked = where(mask, picked, zeros_like(picked));
        return (masked.sum(1).MoveToOuterDisposeScope(), logSumExp.MoveToOuterDisposeScope());
    }

    /// <summary>[B,C,V] logits as the [rows, V] view the native kernels take, or null (no view handle left behind) when they cannot.</summary>
    private static Tensor? NativeRows(Tensor logits)
    {
        var rows = logits.reshape(-1, logits.shape[^1]);
        if (NativeTokenLogProbs.Supports(rows)) return rows;
        rows.Dispose();
        return null;
    }

    private static Tensor Capped(Tensor logits, double? softcap) =>
        softcap is { } cap ? (logits / Scalars.Of(cap)).tanh() * Scalars.Of(cap) : logits;

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (hidden, head, targets, mask) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        var cap = (double)vars[4];
        var native = (bool)vars[5];
        var (sum, logSumExp) = Compute(hidden, head, targets, mask, double.IsNaN(cap) ? null : cap, native);
        ctx.save_for_backward([hidden, head, targets, mask, logSumExp]);
        ctx.save_data("softcap", cap);
        ctx.save_data("native", native);
        ctx.save_data("returned", vars[6]);
        return sum;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        // As in CheckpointedLayer: free the recomputed chunk logits now, whatever thread runs backward.
        var returned = (ReturnedGradients)ctx.get_data("returned");
        using var incoming = returned.BeginCallback(gradOutput);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var saved = ctx.get_saved_variables();
        var (hidden, head, targets, mask, logSumExp) = (saved[0], saved[1], saved[2], saved[3], saved[4]);
        var cap = (double)ctx.get_data("softcap");
        var softcap = double.IsNaN(cap) ? (double?)null : cap;
        var native = (bool)ctx.get_data("native");

        // d/dx of x[t] − logsumexp(x) is onehot(t) − softmax(x). Written out instead of re-running autograd
        // over the recomputed chunk, which keeps the fp32 logits, the log-probs and their gradient (three
        // fp32 [B,C,V] buffers) and makes more passes over them.
        var capped = Capped(nn.functional.linear(hidden, head), softcap);
        var weight = where(mask, gradOutput.to_type(ScalarType.Float32).unsqueeze(1), zeros(1, dtype: ScalarType.Float32, device: gradOutput.device));
        Tensor logitsGradient;
        if (native && NativeRows(capped) is { } rows)
        {
            // In place over the recomputed logits: the only [B,C,V] buffer of this backward.
            NativeTokenLogProbs.BackwardInPlace(rows, targets, logSumExp, weight);
            logitsGradient = capped;
        }
        else
        {
            // capped = c·tanh(raw/c): d capped / d raw = 1 − (capped/c)², from the capped logits as autograd would.
            var slope = softcap is { } c ? (capped.to_type(ScalarType.Float32) / Scalars.Of(c)).square().neg_().PlusInPlace(Scalars.Of(1.0)) : null;
            // softmax = exp(x − lse) with the forward's lse, in place on the one fp32 copy (softmax(dtype) would hold
            // the bf16 logits, an fp32 copy and its output at once).
            var gradient = capped.to_type(ScalarType.Float32);
            capped.Dispose();
            var column = weight.unsqueeze(-1);
            gradient.sub_(logSumExp.unsqueeze(-1)).exp_().mul_(column.neg());
            gradient.scatter_add_(-1, targets.unsqueeze(-1), column);
            if (slope is not null)
            {
                gradient.mul_(slope);
            }
            logitsGradient = gradient.to_type(head.dtype, disposeAfter: true);
        }

        Tensor? hiddenGrad = null, headGrad = null;
        if (hidden.requires_grad)
        {
            hiddenGrad = returned.Track(logitsGradient.matmul(head).MoveToOuterDisposeScope());
        }
        if (head.requires_grad)
        {
            var vocabulary = head.shape[0];
            headGrad = returned.Track(logitsGradient.reshape(-1, vocabulary).t().matmul(hidden.reshape(-1, hidden.shape[^1])).MoveToOuterDisposeScope());
        }
        return [hiddenGrad!, headGrad!, null!, null!, null!, null!, null!];
    }
}
