using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Grouped-query self-attention with RMS-normalised queries and keys (over head_dim, before RoPE)
/// and scores scaled by <c>query_pre_attn_scalar^-0.5</c>.
/// </summary>
public sealed class Gemma3Attention : nn.Module<Tensor, LayerAttentionInputs, Tensor>
{
    private readonly Gemma3Config _config;
    private readonly Gemma3Linear _query;
    private readonly Gemma3Linear _key;
    private readonly Gemma3Linear _value;
    private readonly Gemma3Linear _output;
    private readonly Gemma3RmsNorm _queryNorm;
    private readonly Gemma3RmsNorm _keyNorm;
    private readonly double _scaling;

    public Gemma3Attention(Gemma3Config config, ScalarType dtype, Device device, ReturnedGradients returned) : base(nameof(Gemma3Attention))
    {
        _config = config;
        _scaling = Math.Pow(config.QueryPreAttnScalar, -0.5);
        _query = new Gemma3Linear(config.HiddenSize, (long)config.NumAttentionHeads * config.HeadDim, dtype, device);
        _key = new Gemma3Linear(config.HiddenSize, (long)config.NumKeyValueHeads * config.HeadDim, dtype, device);
        _value = new Gemma3Linear(config.HiddenSize, (long)config.NumKeyValueHeads * config.HeadDim, dtype, device);
        _output = new Gemma3Linear((long)config.NumAttentionHeads * config.HeadDim, config.HiddenSize, dtype, device);
        _queryNorm = new Gemma3RmsNorm(config.HeadDim, config.RmsNormEps, dtype, device, returned);
        _keyNorm = new Gemma3RmsNorm(config.HeadDim, config.RmsNormEps, dtype, device, returned);
        register_module("q_proj", _query);
        register_module("k_proj", _key);
        register_module("v_proj", _value);
        register_module("o_proj", _output);
        register_module("q_norm", _queryNorm);
        register_module("k_norm", _keyNorm);
    }

    public AttentionImplementation Implementation { get; set; } = AttentionImplementation.Sdpa;

    /// <summary>
    /// Whether to apply the config's <c>attn_logit_softcapping</c>. Off by default because
    /// transformers' Gemma-3 reads the field but never applies it (Gemma 3 dropped the cap that
    /// Gemma 2 had; its released configs set null); on gives Gemma-2-style capped scores.
    /// </summary>
    public bool ApplyLogitSoftcapping { get; set; }

    private double? Softcap => ApplyLogitSoftcapping ? _config.AttnLogitSoftcapping : null;

    public override Tensor forward(Tensor hidden, LayerAttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var heads = _config.NumAttentionHeads;
        var kvHeads = _config.NumKeyValueHeads;
        var headDim = _config.HeadDim;

        // Normalised over head_dim before the heads are moved forward: the same rows, but contiguous ones,
        // which the fused norm takes.
        var query = _queryNorm.forward(_query.forward(hidden).view(batch, length, heads, headDim)).transpose(1, 2);
        var key = _keyNorm.forward(_key.forward(hidden).view(batch, length, kvHeads, headDim)).transpose(1, 2);
        var value = _value.forward(hidden).view(batch, length, kvHeads, headDim).transpose(1, 2);
        query = RotaryEmbedding.Apply(query, inputs.Cos, inputs.SignedSin);
        key = RotaryEmbedding.Apply(key, inputs.Cos, inputs.SignedSin);
        if (inputs.Cache is { } cache)
        {
            // Generation: the cache stores these keys and values and returns every key the new queries may see.
            (key, value) = cache.Append(key, value);
        }
        // Copies, as transformers' repeat_kv makes them, rather than a broadcast view of the one key/value
        // head: the attention kernel then gets the inputs transformers gives it (with the view, the bf16
        // logits of a checkpoint no longer matched transformers' on the H200: top-1 agreement 94.5 %).
        if (heads != kvHeads)
        {
            // Query head h reads key/value head h / (heads / kvHeads), as transformers' repeat_kv.
            key = key.repeat_interleave(heads / kvHeads, dim: 1);
            value = value.repeat_interleave(heads / kvHeads, dim: 1);
        }

        var attended = Implementation == AttentionImplementation.Eager || Softcap is not null
            ? Eager(query, key, value, inputs.Mask)
            : Fused(query, key, value, inputs.Mask);
        var merged = attended.transpose(1, 2).reshape(batch, length, (long)heads * headDim);
        return _output.forward(merged).MoveToOuterDisposeScope();
    }

    private Tensor Eager(Tensor query, Tensor key, Tensor value, Tensor mask)
    {
        var scores = matmul(query, key.transpose(2, 3)) * Scalars.Of(_scaling);
        if (Softcap is { } cap)
        {
            scores = (scores / Scalars.Of(cap)).tanh() * Scalars.Of(cap);
        }
        scores = scores + mask;
        var weights = scores.softmax(-1, ScalarType.Float32).to_type(query.dtype);
        return matmul(weights, value);
    }

    private Tensor Fused(Tensor query, Tensor key, Tensor value, Tensor mask)
    {
        // TorchSharp's scaled_dot_product_attention has no scale argument and always divides by
        // sqrt(head_dim); fold the difference into the queries (a no-op when the two agree, as in
        // every released Gemma-3 size up to 12B).
        var correction = _scaling * Math.Sqrt(_config.HeadDim);
        if (Math.Abs(correction - 1.0) > 1e-12)
        {
            query = query * Scalars.Of(correction);
        }
        return nn.functional.scaled_dot_product_attention(query, key, value, mask);
    }
}
