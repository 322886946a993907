using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Gemma-3 text model with its (tied) language-model head, matching transformers'
/// <c>Gemma3ForCausalLM</c>. <c>forward</c> returns the final hidden state; <see cref="Logits"/> and
/// <see cref="CompletionLogProbs"/> apply the head. Parameter names are transformers' own.
/// </summary>
public sealed partial class Gemma3ForCausalLM : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly Gemma3TextModel _model;
    private readonly Gemma3Linear? _untiedHead;

    /// <summary>All weights start at zero; use <see cref="CreateRandom"/> or <see cref="FromPretrained"/>.</summary>
    internal Gemma3ForCausalLM(Gemma3Config config, ScalarType dtype, Device device) : base(nameof(Gemma3ForCausalLM))
    {
        config.Validate("model config");
        Config = config;
        _model = new Gemma3TextModel(config, dtype, device, ReturnedGradients);
        register_module("model", _model);
        if (!config.TieWordEmbeddings)
        {
            _untiedHead = new Gemma3Linear(config.HiddenSize, config.VocabSize, dtype, device);
            register_module("lm_head", _untiedHead);
        }
    }

    /// <summary>
    /// A model whose weights are all zero, to be filled by the caller. On the meta device it has
    /// every parameter's shape and no storage, which is how to inspect a large model cheaply.
    /// </summary>
    public static Gemma3ForCausalLM CreateZeroed(Gemma3Config config, ScalarType dtype, Device device) => new(config, dtype, device);

    public Gemma3Config Config { get; }

    /// <summary>
    /// What this model's custom autograd functions returned to libtorch during backward; call
    /// <see cref="ReturnedGradients.Release"/> once backward() has returned. Per model, so two models
    /// (or two tests) training side by side never free each other's gradients.
    /// </summary>
    public ReturnedGradients ReturnedGradients { get; } = new();

    public ScalarType DType => _model.Embeddings.Weight.dtype;

    public Device Device => _model.Embeddings.Weight.device;

    /// <summary>The output projection [vocab, hidden]: the embedding matrix unless the config unties them.</summary>
    public Tensor HeadWeight => _untiedHead?.Weight ?? _model.Embeddings.Weight;

    /// <summary>
    /// Whether completion log-probs on a GPU take the vocabulary-wide part through libdeltatui_native's
    /// kernels (bf16 logits read once, no fp32 copy), when it was built with them, rather than TorchSharp
    /// ops; the two agree to fp32 rounding.
    /// </summary>
    public bool NativeLogProbs { get; set; } = true;

    /// <summary>
    /// Whether RMSNorms on a GPU run on libdeltatui_native's fused kernels (one kernel and one autograd node
    /// each, the input and one fp32 rstd per row kept for backward) rather than ten TorchSharp ops that keep
    /// two fp32 copies of the activations; the two agree to fp32 rounding.
    /// </summary>
    public bool NativeRmsNorm
    {
        get => modules().OfType<Gemma3RmsNorm>().All(n => n.Native);
        set
        {
            foreach (var norm in modules().OfType<Gemma3RmsNorm>()) norm.Native = value;
        }
    }

    /// <summary>For tests: runs the native norms on the CPU backend too (see <see cref="Gemma3RmsNorm.NativeOnCpu"/>).</summary>
    internal bool NativeRmsNormOnCpu
    {
        set
        {
            foreach (var norm in modules().OfType<Gemma3RmsNorm>()) norm.NativeOnCpu = value;
        }
    }

    public bool GradientCheckpointing
    {
        get => _model.GradientCheckpointing;
        set => _model.GradientCheckpointing = value;
    }

    public AttentionImplementation AttentionImplementation
    {
        get => _model.Layers[0].Attention.Implementation;
        set
        {
            foreach (var layer in _model.Layers)
            {
                layer.Attention.Implementation = value;
            }
        }
    }

    /// <summary>
    /// Apply <c>attn_logit_softcapping</c> from the config (off by default, matching transformers'
    /// Gemma-3, which ignores the field; see <see cref="Gemma3Attention.ApplyLogitSoftcapping"/>).
    /// </summary>
    public bool ApplyAttentionLogitSoftcapping
    {
        get => _model.Layers[0].Attention.ApplyLogitSoftcapping;
        set
        {
            foreach (var layer in _model.Layers)
            {
                layer.Attention.ApplyLogitSoftcapping = value;
            }
        }
    }

    /// <summary>
    /// A model with transformers' initialisation: normal(0, initializer_range) projections and
    /// embeddings (the padding row zeroed), zero norm weights (a scale of one).
    /// </summary>
    public static Gemma3ForCausalLM CreateRandom(Gemma3Config config, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var model = new Gemma3ForCausalLM(config, dtype, device ?? CPU);
        var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                continue;
            }
            using var values = randn(parameter.shape, dtype: ScalarType.Float32, generator: generator) * config.InitializerRange;
            parameter.copy_(values);
        }
        if (config.PadTokenId >= 0 && config.PadTokenId < config.VocabSize)
        {
            model._model.Embeddings.Weight[config.PadTokenId].zero_();
        }
        return model;
    }

    /// <summary>Final hidden states [B,T,H] (after the final norm). Positions are 0..T−1: pad on the right.</summary>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask) => _model.forward(inputIds, attentionMask);

    /// <summary>Generation: hidden states of new tokens at explicit positions, through and into <paramref name="cache"/> (see <see cref="Gemma3TextModel.ForwardCached"/>).</summary>
    public Tensor ForwardCached(Tensor inputIds, Tensor positions, KvCache cache) => _model.ForwardCached(inputIds, positions, cache);

    /// <summary>An empty cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> columns, in this model's dtype and device.</summary>
    public KvCache NewCache(long batch, int capacity) => new(Config, batch, capacity, DType, Device);

    /// <summary>Logits [.., V] in the model dtype, with final softcapping when the config sets it.</summary>
    public Tensor Logits(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var logits = nn.functional.linear(hidden, HeadWeight);
        if (Config.FinalLogitSoftcapping is { } cap)
        {
            logits = (logits / Scalars.Of(cap)).tanh() * Scalars.Of(cap);
        }
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B] fp32: Σ over positions t with completionMask[t] = 1 of log p(inputIds[t] | inputIds[&lt;t]),
    /// the distribution at t coming from the hidden state at t−1. Positions are processed
    /// <paramref name="chunkSize"/> at a time and recomputed in backward, so the fp32 [B,T,V] logits
    /// never exist at once. Position 0 has no prediction and must not be in the mask.
    /// </summary>
    public Tensor CompletionLogProbs(Tensor hidden, Tensor inputIds, Tensor completionMask, int chunkSize)
    {
        if (chunkSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunk size must be positive");
        }
        if (hidden.dim() != 3 || !inputIds.shape.SequenceEqual(hidden.shape[..2]) || !completionMask.shape.SequenceEqual(inputIds.shape))
        {
            throw new ArgumentException($"expected hidden [B,T,H] with ids and mask [B,T]; got hidden [{string.Join(", ", hidden.shape)}], ids [{string.Join(", ", inputIds.shape)}], mask [{string.Join(", ", completionMask.shape)}]");
        }
        using var scope = NewDisposeScope();
        var mask = completionMask.to(hidden.device).to_type(ScalarType.Bool);
        if (mask.device_type == DeviceType.CPU && mask.select(1, 0).any().item<bool>()) // a read on a GPU would stall every call; GPU batches are checked where they are built
        {
            throw new ArgumentException("completionMask[:, 0] is set, but the first position has no preceding token to predict it from", nameof(completionMask));
        }
        var length = hidden.shape[1];
        var predicting = hidden.narrow(1, 0, length - 1);
        var targets = inputIds.to(hidden.device).narrow(1, 1, length - 1);
        var counted = mask.narrow(1, 1, length - 1);
        var total = zeros(hidden.shape[0], dtype: ScalarType.Float32, device: hidden.device);
        for (long start = 0; start < length - 1; start += chunkSize)
        {
            var size = Math.Min(chunkSize, length - 1 - start);
            total = total.Plus(ChunkTokenLogProbs.Run(
                predicting.narrow(1, start, size), HeadWeight, targets.narrow(1, start, size), counted.narrow(1, start, size), Config.FinalLogitSoftcapping, ReturnedGradients, NativeLogProbs));
        }
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// An independent copy (own storage) in <paramref name="dtype"/> with gradients off and in eval
    /// mode: the frozen reference policy of DPO.
    /// </summary>
    public Gemma3ForCausalLM CloneFrozen(ScalarType? dtype = null)
    {
        var copy = new Gemma3ForCausalLM(Config, dtype ?? DType, Device);
        copy.AttentionImplementation = AttentionImplementation;
        copy.ApplyAttentionLogitSoftcapping = ApplyAttentionLogitSoftcapping;
        copy.NativeLogProbs = NativeLogProbs;
        copy.NativeRmsNorm = NativeRmsNorm;
        using (no_grad())
        {
            var source = named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in copy.named_parameters())
            {
                parameter.copy_(source[name]);
            }
        }
        foreach (var parameter in copy.parameters())
        {
            parameter.requires_grad = false;
        }
        copy.eval();
        return copy;
    }
}
