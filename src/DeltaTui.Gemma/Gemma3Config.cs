namespace DeltaTui.Gemma;

/// <summary>
/// The Gemma-3 text model's hyper-parameters, with the meaning and names of Hugging Face's
/// <c>Gemma3TextConfig</c>. Read and write <c>config.json</c> with <see cref="Gemma3ConfigJson"/>.
/// </summary>
public sealed record Gemma3Config
{
    public required int VocabSize { get; init; }

    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }

    public required int NumHiddenLayers { get; init; }

    public required int NumAttentionHeads { get; init; }

    public required int NumKeyValueHeads { get; init; }

    public required int HeadDim { get; init; }

    public required int SlidingWindow { get; init; }

    /// <summary>One entry per layer.</summary>
    public required IReadOnlyList<AttentionKind> LayerTypes { get; init; }

    /// <summary>RoPE base of full-attention layers.</summary>
    public double RopeTheta { get; init; } = 1_000_000.0;

    /// <summary>RoPE base of sliding-window layers.</summary>
    public double RopeLocalBaseFreq { get; init; } = 10_000.0;

    /// <summary>Scaling applied to full-attention layers' RoPE (sliding layers never scale in Gemma-3).</summary>
    public RopeScaling RopeScaling { get; init; } = RopeScaling.None;

    /// <summary>Attention scores are multiplied by <c>QueryPreAttnScalar^-0.5</c>.</summary>
    public required double QueryPreAttnScalar { get; init; }

    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>When set, attention scores become <c>cap·tanh(score/cap)</c>.</summary>
    public double? AttnLogitSoftcapping { get; init; }

    /// <summary>When set, logits become <c>cap·tanh(logit/cap)</c>.</summary>
    public double? FinalLogitSoftcapping { get; init; }

    public bool TieWordEmbeddings { get; init; } = true;

    public int MaxPositionEmbeddings { get; init; } = 32_768;

    public double InitializerRange { get; init; } = 0.02;

    public int BosTokenId { get; init; } = 2;

    public IReadOnlyList<int> EosTokenIds { get; init; } = [1];

    public int PadTokenId { get; init; }

    /// <summary>The dtype name written as <c>torch_dtype</c> ("float32", "bfloat16").</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>google/gemma-3-270m (and -it): 268,098,176 parameters.</summary>
    public static Gemma3Config Gemma3_270M { get; } = new()
    {
        VocabSize = 262_144,
        HiddenSize = 640,
        IntermediateSize = 2048,
        NumHiddenLayers = 18,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 1,
        HeadDim = 256,
        SlidingWindow = 512,
        LayerTypes = PatternLayerTypes(18, 6),
        RopeTheta = 1_000_000.0,
        RopeLocalBaseFreq = 10_000.0,
        QueryPreAttnScalar = 256,
        RmsNormEps = 1e-6,
        MaxPositionEmbeddings = 32_768,
        BosTokenId = 2,
        EosTokenIds = [1],
        PadTokenId = 0,
        TorchDtype = "bfloat16",
    };

    /// <summary>
    /// A small model of the same shape family for the embedded demo and tests: six layers, the last
    /// one full attention, grouped-query attention with one key/value head.
    /// </summary>
    public static Gemma3Config Tiny(int vocabSize, int hiddenSize = 64, int numHiddenLayers = 6, int slidingWindow = 64, int maxPositionEmbeddings = 1024) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = hiddenSize,
        IntermediateSize = 2 * hiddenSize,
        NumHiddenLayers = numHiddenLayers,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 1,
        HeadDim = hiddenSize / 4,
        SlidingWindow = slidingWindow,
        LayerTypes = PatternLayerTypes(numHiddenLayers, 6),
        QueryPreAttnScalar = hiddenSize / 4,
        MaxPositionEmbeddings = maxPositionEmbeddings,
    };

    /// <summary>Gemma-3's layout when only a pattern is given: every <paramref name="pattern"/>-th layer is full attention.</summary>
    public static IReadOnlyList<AttentionKind> PatternLayerTypes(int layers, int pattern) =>
        Enumerable.Range(0, layers).Select(i => (i + 1) % pattern == 0 ? AttentionKind.Full : AttentionKind.Sliding).ToArray();

    /// <summary>Parameters of the model this config describes (a tied head counts once).</summary>
    public long ParameterCount()
    {
        long hidden = HiddenSize;
        long queryWidth = (long)NumAttentionHeads * HeadDim;
        long keyValueWidth = (long)NumKeyValueHeads * HeadDim;
        var attention = hidden * queryWidth * 2 + hidden * keyValueWidth * 2 + 2L * HeadDim;
        var mlp = 3 * hidden * IntermediateSize;
        var norms = 4 * hidden;
        var embedding = (long)VocabSize * hidden;
        var head = TieWordEmbeddings ? 0 : embedding;
        return embedding + NumHiddenLayers * (attention + mlp + norms) + hidden + head;
    }

    /// <summary>Throws when values are inconsistent; <paramref name="source"/> names where they came from.</summary>
    public void Validate(string source)
    {
        void Require(bool condition, string key, string problem)
        {
            if (!condition)
            {
                throw new Gemma3ConfigException(source, key, problem);
            }
        }

        Require(VocabSize > 0, "vocab_size", $"must be positive, not {VocabSize}");
        Require(HiddenSize > 0, "hidden_size", $"must be positive, not {HiddenSize}");
        Require(IntermediateSize > 0, "intermediate_size", $"must be positive, not {IntermediateSize}");
        Require(NumHiddenLayers > 0, "num_hidden_layers", $"must be positive, not {NumHiddenLayers}");
        Require(NumAttentionHeads > 0, "num_attention_heads", $"must be positive, not {NumAttentionHeads}");
        Require(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0, "num_key_value_heads",
            $"must be positive and divide num_attention_heads ({NumAttentionHeads}), not {NumKeyValueHeads}");
        Require(HeadDim > 0 && HeadDim % 2 == 0, "head_dim", $"must be positive and even (RoPE rotates pairs), not {HeadDim}");
        Require(SlidingWindow > 0, "sliding_window", $"must be positive, not {SlidingWindow}");
        Require(LayerTypes.Count == NumHiddenLayers, "layer_types", $"has {LayerTypes.Count} entries but num_hidden_layers is {NumHiddenLayers}");
        Require(QueryPreAttnScalar > 0, "query_pre_attn_scalar", $"must be positive, not {QueryPreAttnScalar}");
        Require(RmsNormEps > 0, "rms_norm_eps", $"must be positive, not {RmsNormEps}");
        Require(RopeTheta > 0, "rope_theta", $"must be positive, not {RopeTheta}");
        Require(RopeLocalBaseFreq > 0, "rope_local_base_freq", $"must be positive, not {RopeLocalBaseFreq}");
        Require(RopeScaling.Factor > 0, "rope_scaling.factor", $"must be positive, not {RopeScaling.Factor}");
        Require(AttnLogitSoftcapping is null or > 0, "attn_logit_softcapping", $"must be positive or null, not {AttnLogitSoftcapping}");
        Require(FinalLogitSoftcapping is null or > 0, "final_logit_softcapping", $"must be positive or null, not {FinalLogitSoftcapping}");
    }
}
