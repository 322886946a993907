using DeltaTui.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace DeltaTui.Training.Model;

/// <summary>
/// Sum of masked token log-probabilities for one chunk of positions, with recomputation: the fp32
/// <c>[B,chunk,V]</c> logits exist only while a chunk is being computed, in forward and again in
/// backward, instead of being kept alive by the autograd graph for every chunk at once.
/// </summary>
internal sealed class ChunkTokenLogProbs : SingleTensorFunction<ChunkTokenLogProbs>
{
    public override string Name => nameof(ChunkTokenLogProbs);

    /// <param name="hidden">[B,C,H] final hidden states at the predicting positions.</param>
    /// <param name="head">[V,H] output projection (the tied embedding).</param>
    /// <param name="targets">[B,C] int64 next tokens.</param>
    /// <param name="mask">[B,C] bool: which targets count.</param>
    public static Tensor Run(Tensor hidden, Tensor head, Tensor targets, Tensor mask, double? softcap)
    {
        if (!is_grad_enabled() || !(hidden.requires_grad || head.requires_grad))
        {
            using var noGrad = no_grad();
            return Compute(hidden, head, targets, mask, softcap);
        }
        return apply(hidden, head, targets, mask, softcap ?? double.NaN);
    }

    /// <summary>Returns [B] fp32: Σ_t mask·log softmax(softcap(hidden·headᵀ))[target].</summary>
    internal static Tensor Compute(Tensor hidden, Tensor head, Tensor targets, Tensor mask, double? softcap)
    {
        using var scope = NewDisposeScope();
        // log softmax(x)[t] = x[t] − logsumexp(x): no [B,C,V] log-prob tensor beside the fp32 logits.
        var logits = Capped(nn.functional.linear(hidden, head), softcap).to_type(ScalarType.Float32);
        var picked = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1);
        var masked = where(mask, picked, zeros_like(picked));
        return masked.sum(1).MoveToOuterDisposeScope();
    }

    private static Tensor Capped(Tensor logits, double? softcap) =>
        softcap is { } cap ? (logits / Scalars.Of(cap)).tanh() * Scalars.Of(cap) : logits;

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (hidden, head, targets, mask) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        var cap = (double)vars[4];
        ctx.save_for_backward([hidden, head, targets, mask]);
        ctx.save_data("softcap", cap);
        return Compute(hidden, head, targets, mask, double.IsNaN(cap) ? null : cap);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        // As in CheckpointedLayer: free the recomputed chunk logits now, whatever thread runs backward.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var saved = ctx.get_saved_variables();
        var (hidden, head, targets, mask) = (saved[0], saved[1], saved[2], saved[3]);
        var cap = (double)ctx.get_data("softcap");
        var softcap = double.IsNaN(cap) ? (double?)null : cap;

        // d/dx of x[t] − logsumexp(x) is onehot(t) − softmax(x). Written out instead of re-running autograd
        // over the recomputed chunk: one fp32 [B,C,V] buffer (the softmax) updated in place, where autograd keeps
        // the fp32 logits, the log-probs and their gradient (three such buffers) and makes more passes over them.
        var capped = Capped(nn.functional.linear(hidden, head), softcap);
        var gradient = capped.softmax(-1, ScalarType.Float32);
        var weight = where(mask, gradOutput.to_type(ScalarType.Float32).unsqueeze(1), zeros(1, dtype: ScalarType.Float32, device: gradOutput.device)).unsqueeze(-1);
        gradient.mul_(weight.neg());
        gradient.scatter_add_(-1, targets.unsqueeze(-1), weight);
        if (softcap is { } c)
        {
            // capped = c·tanh(raw/c): d capped / d raw = 1 − (capped/c)², from the capped logits as autograd would.
            gradient.mul_((capped.to_type(ScalarType.Float32) / Scalars.Of(c)).square().neg_().PlusInPlace(Scalars.Of(1.0)));
        }
        capped.Dispose();
        var logitsGradient = gradient.to_type(head.dtype, disposeAfter: true);

        Tensor? hiddenGrad = null, headGrad = null;
        if (hidden.requires_grad)
        {
            hiddenGrad = ReturnedGradients.Track(logitsGradient.matmul(head).MoveToOuterDisposeScope());
        }
        if (head.requires_grad)
        {
            var vocabulary = head.shape[0];
            headGrad = ReturnedGradients.Track(logitsGradient.reshape(-1, vocabulary).t().matmul(hidden.reshape(-1, hidden.shape[^1])).MoveToOuterDisposeScope());
        }
        return [hiddenGrad!, headGrad!, null!, null!, null!];
    }
}
