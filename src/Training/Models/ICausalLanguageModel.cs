using DeltaTui.Training.Dpo;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Models;

/// <summary>
/// What DPO needs from a causal language model: its parameters and the summed log-probs of the
/// completion tokens of each sequence. Implementations compute the vocabulary projection in
/// chunks of positions so [B,T,V] fp32 logits never exist at once.
/// </summary>
public interface ICausalLanguageModel : IDisposable
{
    /// <summary>The module that owns the parameters (named as in the checkpoint format).</summary>
    nn.Module Module { get; }

    /// <summary>Identifies the architecture and size, e.g. "gemma-3 (embedded tiny)"; shown in the run header.</summary>
    string ModelId { get; }

    /// <param name="inputIds">[N,T] int64.</param>
    /// <param name="attentionMask">[N,T], 1 for real tokens.</param>
    /// <param name="completionMask">[N,T], 1 where the token at t is a completion token to score.</param>
    /// <returns>[N] fp32: Σ_t completionMask[t] · log p(inputIds[t] | inputIds[&lt;t]).</returns>
    Tensor CompletionLogProbs(Tensor inputIds, Tensor attentionMask, Tensor completionMask);

    /// <summary>
    /// Frees what this model's custom autograd functions returned to libtorch during the last backward(); call once
    /// backward() has returned. A model without such functions has nothing to free.
    /// </summary>
    void ReleaseReturnedGradients()
    {
    }

    /// <summary>Writes the weights and config in Hugging Face layout (config.json + model.safetensors).</summary>
    void SavePretrained(string directory);
}
