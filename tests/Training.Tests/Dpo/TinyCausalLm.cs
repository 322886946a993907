using DeltaTui.Training.Models;
using DeltaTui.Training.Dpo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Dpo;

/// <summary>
/// A real (if very small) causal language model for exercising the trainer without the Gemma-3
/// stack: embeddings, a causal running mean over positions, one tanh layer and an LM head.
/// </summary>
internal sealed class TinyCausalLm : nn.Module<Tensor, Tensor?, Tensor>, ICausalLanguageModel
{
    private readonly Embedding embed;
    private readonly Linear mix;
    private readonly Linear head;

    public TinyCausalLm(long seed, int vocab = 12, int hidden = 16) : base("tiny")
    {
        embed = nn.Embedding(vocab, hidden);
        mix = nn.Linear(hidden, hidden);
        head = nn.Linear(hidden, vocab, hasBias: false);
        RegisterComponents();
        // A private generator: tests run in parallel and must not race on the global RNG.
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var parameter in parameters())
        {
            using var values = randn(parameter.shape, generator: generator) * 0.3;
            parameter.copy_(values);
        }
    }

    public nn.Module Module => this;

    public string ModelId => "tiny-test-lm";

    public override Tensor forward(Tensor inputIds, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var h = embed.forward(inputIds);
        var positions = arange(1, inputIds.shape[1] + 1, dtype: ScalarType.Float32, device: inputIds.device).view(1, -1, 1);
        return tanh(mix.forward(h.cumsum(1) / positions)).MoveToOuterDisposeScope();
    }

    public Tensor CompletionLogProbs(Tensor inputIds, Tensor attentionMask, Tensor completionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = forward(inputIds, attentionMask);
        var t = inputIds.shape[1];
        var logProbs = head.forward(hidden.narrow(1, 0, t - 1)).log_softmax(-1);
        var targets = inputIds.narrow(1, 1, t - 1).unsqueeze(-1);
        var picked = logProbs.gather(-1, targets).squeeze(-1);
        return (picked * completionMask.narrow(1, 1, t - 1).to(ScalarType.Float32)).sum(1).MoveToOuterDisposeScope();
    }

    public void SavePretrained(string directory)
    {
        Directory.CreateDirectory(directory);
        save(Path.Combine(directory, "model.bin"));
    }
}
