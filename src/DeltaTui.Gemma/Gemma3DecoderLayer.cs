using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>One decoder block with Gemma-3's four norms: around attention and around the MLP, each residual.</summary>
public sealed class Gemma3DecoderLayer : nn.Module<Tensor, LayerAttentionInputs, Tensor>
{
    private readonly Gemma3RmsNorm _inputNorm;
    private readonly Gemma3RmsNorm _postAttentionNorm;
    private readonly Gemma3RmsNorm _preFeedForwardNorm;
    private readonly Gemma3RmsNorm _postFeedForwardNorm;
    private readonly Gemma3Mlp _mlp;

    public Gemma3DecoderLayer(Gemma3Config config, int index, ScalarType dtype, Device device, ReturnedGradients returned) : base(nameof(Gemma3DecoderLayer))
    {
        Kind = config.LayerTypes[index];
        Attention = new Gemma3Attention(config, dtype, device, returned);
        _mlp = new Gemma3Mlp(config, dtype, device);
        _inputNorm = new Gemma3RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device, returned);
        _postAttentionNorm = new Gemma3RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device, returned);
        _preFeedForwardNorm = new Gemma3RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device, returned);
        _postFeedForwardNorm = new Gemma3RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device, returned);
        register_module("self_attn", Attention);
        register_module("mlp", _mlp);
        register_module("input_layernorm", _inputNorm);
        register_module("post_attention_layernorm", _postAttentionNorm);
        register_module("pre_feedforward_layernorm", _preFeedForwardNorm);
        register_module("post_feedforward_layernorm", _postFeedForwardNorm);
    }

    public AttentionKind Kind { get; }

    public Gemma3Attention Attention { get; }

    public override Tensor forward(Tensor hidden, LayerAttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var attended = _postAttentionNorm.forward(Attention.forward(_inputNorm.forward(hidden), inputs));
        var afterAttention = hidden.Plus(attended);
        var fed = _postFeedForwardNorm.forward(_mlp.forward(_preFeedForwardNorm.forward(afterAttention)));
        return afterAttention.Plus(fed).MoveToOuterDisposeScope();
    }
}
