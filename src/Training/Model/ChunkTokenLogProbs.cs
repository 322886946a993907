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
        var logits = nn.functional.linear(hidden, head);
        if (softcap is { } cap)
        {
            logits = (logits / Scalars.Of(cap)).tanh() * Scalars.Of(cap);
        }
        var logProbs = logits.to_type(ScalarType.Float32).log_softmax(-1);
        var picked = logProbs.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        var masked = where(mask, picked, zeros_like(picked));
        return masked.sum(1).MoveToOuterDisposeScope();
    }

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
        var saved = ctx.get_saved_variables();
        var (hidden, head, targets, mask) = (saved[0], saved[1], saved[2], saved[3]);
        var cap = (double)ctx.get_data("softcap");
        using var grad = enable_grad();
        var hiddenInput = hidden.detach().requires_grad_(hidden.requires_grad);
        var headInput = head.detach().requires_grad_(head.requires_grad);
        var inputs = new List<Tensor>();
        if (hidden.requires_grad)
        {
            inputs.Add(hiddenInput);
        }
        if (head.requires_grad)
        {
            inputs.Add(headInput);
        }
        var output = Compute(hiddenInput, headInput, targets, mask, double.IsNaN(cap) ? null : cap);
        var gradients = torch.autograd.grad([output], inputs, [gradOutput]);
        var next = 0;
        var hiddenGrad = hidden.requires_grad ? gradients[next++] : null;
        var headGrad = head.requires_grad ? gradients[next] : null;
        if (hiddenGrad is not null) ReturnedGradients.Track(hiddenGrad.MoveToOuterDisposeScope());
        if (headGrad is not null) ReturnedGradients.Track(headGrad.MoveToOuterDisposeScope());
        return [hiddenGrad!, headGrad!, null!, null!, null!];
    }
}
