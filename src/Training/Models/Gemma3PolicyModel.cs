using DeltaTui.Training.Dpo;
using DeltaTui.Gemma;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Models;

/// <summary>Gemma-3 as the DPO trainer sees it: hidden states, then completion log-probs in chunks of positions.</summary>
public sealed class Gemma3PolicyModel(Gemma3ForCausalLM model, int logProbChunkSize, string modelId) : ICausalLanguageModel
{
    public Gemma3ForCausalLM Model { get; } = model;

    public nn.Module Module => Model;

    public string ModelId { get; } = modelId;

    public Tensor CompletionLogProbs(Tensor inputIds, Tensor attentionMask, Tensor completionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = Model.forward(inputIds, attentionMask);
        return Model.CompletionLogProbs(hidden, inputIds, completionMask, logProbChunkSize).MoveToOuterDisposeScope();
    }

    public void ReleaseReturnedGradients() => Model.ReturnedGradients.Release();

    public void SavePretrained(string directory) => Model.SavePretrained(directory);

    /// <summary>The frozen reference: an independent copy in <paramref name="dtype"/> without gradients.</summary>
    public Gemma3PolicyModel CloneFrozen(ScalarType? dtype = null) => new(Model.CloneFrozen(dtype), logProbChunkSize, ModelId);

    public void Dispose() => Model.Dispose();
}
