using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>The decoder stack (transformers' <c>Gemma3TextModel</c>, the <c>model.</c> prefix of checkpoint names).</summary>
public sealed class Gemma3TextModel : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly Gemma3Config _config;
    private readonly ModuleList<Gemma3DecoderLayer> _layers;
    private readonly Gemma3DecoderLayer[] _layerArray;
    private readonly Gemma3RmsNorm _norm;
    private readonly ReturnedGradients _returned;
    // RoPE tables depend only on the length (and dtype/device); built once, because building them
    // copies a host value to the device, which waits for the GPU.
    private readonly Dictionary<(AttentionKind Kind, long Length, ScalarType DType, string Device), (Tensor Cos, Tensor SignedSin)> _rotaryTables = [];

    /// <param name="returned">The owning model's <see cref="Gemma3ForCausalLM.ReturnedGradients"/>.</param>
    public Gemma3TextModel(Gemma3Config config, ScalarType dtype, Device device, ReturnedGradients returned) : base(nameof(Gemma3TextModel))
    {
        _config = config;
        _returned = returned;
        Embeddings = new Gemma3ScaledEmbedding(config.VocabSize, config.HiddenSize, dtype, device);
        _layerArray = Enumerable.Range(0, config.NumHiddenLayers).Select(i => new Gemma3DecoderLayer(config, i, dtype, device, returned)).ToArray();
        _layers = nn.ModuleList(_layerArray);
        _norm = new Gemma3RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device, returned);
        register_module("embed_tokens", Embeddings);
        register_module("layers", _layers);
        register_module("norm", _norm);
    }

    public Gemma3ScaledEmbedding Embeddings { get; }

    public IReadOnlyList<Gemma3DecoderLayer> Layers => _layerArray;

    /// <summary>Recompute each layer in backward instead of keeping its activations (see <see cref="CheckpointedLayer"/>).</summary>
    public bool GradientCheckpointing { get; set; }

    public override Tensor forward(Tensor inputIds, Tensor? attentionMask)
    {
        if (inputIds.dim() != 2)
        {
            throw new ArgumentException($"input ids must be [batch, length], got [{string.Join(", ", inputIds.shape)}]", nameof(inputIds));
        }
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
        {
            throw new ArgumentException($"the attention mask [{string.Join(", ", attentionMask.shape)}] must match the input ids [{string.Join(", ", inputIds.shape)}]", nameof(attentionMask));
        }
        using var scope = NewDisposeScope();
        var length = inputIds.shape[1];
        var dtype = Embeddings.Weight.dtype;
        var device = Embeddings.Weight.device;
        var hidden = Embeddings.forward(inputIds.to(device));

        var inputs = new Dictionary<AttentionKind, LayerAttentionInputs>();
        foreach (var kind in _config.LayerTypes.Distinct())
        {
            var (theta, scaling, window) = kind == AttentionKind.Full
                ? (_config.RopeTheta, _config.RopeScaling, (int?)null)
                : (_config.RopeLocalBaseFreq, RopeScaling.None, _config.SlidingWindow);
            var (cos, signedSin) = RotaryTables(kind, theta, scaling, length, dtype, device);
            inputs[kind] = new LayerAttentionInputs(cos, signedSin, AttentionMasks.Additive(attentionMask, length, window, dtype, device));
        }

        var checkpoint = GradientCheckpointing && training && is_grad_enabled();
        if (checkpoint)
        {
            // Backward recomputes layers after this scope has ended, so these must outlive it;
            // the garbage collector frees them with the graph.
            foreach (var shared in inputs.Values)
            {
                shared.Cos.DetachFromDisposeScope();
                shared.SignedSin.DetachFromDisposeScope();
                shared.Mask.DetachFromDisposeScope();
            }
        }
        foreach (var layer in _layerArray)
        {
            hidden = checkpoint
                ? CheckpointedLayer.Run(layer, hidden, inputs[layer.Kind], _returned)
                : layer.call(hidden, inputs[layer.Kind]);
        }
        return _norm.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Generation: final hidden states [B,T,H] of <paramref name="inputIds"/> at the explicit <paramref name="positions"/> [B,T]
    /// (each row's own, so left padding is handled), attending over what <paramref name="cache"/> holds plus these tokens,
    /// which the cache then keeps. The training path (<see cref="forward"/>) is untouched by this one.
    /// </summary>
    public Tensor ForwardCached(Tensor inputIds, Tensor positions, KvCache cache)
    {
        if (inputIds.dim() != 2 || !positions.shape.SequenceEqual(inputIds.shape) || inputIds.shape[0] != cache.Batch)
        {
            throw new ArgumentException($"expected input ids and positions [{cache.Batch}, T]; got ids [{string.Join(", ", inputIds.shape)}], positions [{string.Join(", ", positions.shape)}]");
        }
        using var scope = NewDisposeScope();
        var (batch, length) = (inputIds.shape[0], inputIds.shape[1]);
        var dtype = Embeddings.Weight.dtype;
        var device = Embeddings.Weight.device;
        var hidden = Embeddings.forward(inputIds.to(device));
        var flatPositions = positions.to(device).reshape(-1);

        var inputs = new Dictionary<AttentionKind, LayerAttentionInputs>();
        foreach (var kind in _config.LayerTypes.Distinct())
        {
            var (theta, scaling) = kind == AttentionKind.Full ? (_config.RopeTheta, _config.RopeScaling) : (_config.RopeLocalBaseFreq, RopeScaling.None);
            var (cos, signedSin) = RotaryTables(kind, theta, scaling, cache.Capacity, dtype, device);
            var headDim = cos.shape[^1];
            inputs[kind] = new LayerAttentionInputs(
                cos.view(-1, headDim).index_select(0, flatPositions).view(batch, 1, length, headDim),
                signedSin.view(-1, headDim).index_select(0, flatPositions).view(batch, 1, length, headDim),
                cache.Mask(kind, length, dtype));
        }
        for (var i = 0; i < _layerArray.Length; i++)
        {
            var layer = _layerArray[i];
            hidden = layer.call(hidden, inputs[layer.Kind] with { Cache = cache.Layer(i) });
        }
        cache.Advance((int)length);
        return _norm.forward(hidden).MoveToOuterDisposeScope();
    }

    private (Tensor Cos, Tensor SignedSin) RotaryTables(AttentionKind kind, double theta, RopeScaling scaling, long length, ScalarType dtype, Device device)
    {
        var key = (kind, length, dtype, device.ToString());
        lock (_rotaryTables)
        {
            if (!_rotaryTables.TryGetValue(key, out var tables))
            {
                using var noGrad = no_grad();
                var (cos, sin) = RotaryEmbedding.Tables(_config.HeadDim, theta, scaling, length, dtype, device);
                var signedSin = RotaryEmbedding.SignedSin(sin);
                sin.Dispose();
                // Owned by this module, not by whichever dispose scope the first forward ran in.
                cos.DetachFromDisposeScope();
                signedSin.DetachFromDisposeScope();
                tables = _rotaryTables[key] = (cos, signedSin);
            }
            return tables;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var (cos, sin) in _rotaryTables.Values)
            {
                cos.Dispose();
                sin.Dispose();
            }
            _rotaryTables.Clear();
        }
        base.Dispose(disposing);
    }
}
