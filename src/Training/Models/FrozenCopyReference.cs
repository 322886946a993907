using DeltaTui.Training.Dpo;
using static TorchSharp.torch;

namespace DeltaTui.Training.Models;

/// <summary>
/// A copy of the initial policy that never trains: parameters without requires_grad (so autograd
/// keeps no graph and no optimizer ever sees them), evaluated under no_grad. Held in the dtype the
/// caller built it in (bf16 halves its memory on GPU).
/// </summary>
public sealed class FrozenCopyReference : IReferenceModel
{
    private readonly ICausalLanguageModel _model;

    /// <param name="copy">A separate instance holding the same weights as the policy at step 0; this object owns it.</param>
    public FrozenCopyReference(ICausalLanguageModel copy)
    {
        _model = copy;
        foreach (var parameter in _model.Module.parameters()) parameter.requires_grad = false;
        _model.Module.eval();
    }

    public string Kind => "frozen-copy";

    public Tensor LogProbs(DpoBatch batch)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return _model.CompletionLogProbs(batch.InputIds, batch.AttentionMask, batch.CompletionMask).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose() => _model.Dispose();
}
