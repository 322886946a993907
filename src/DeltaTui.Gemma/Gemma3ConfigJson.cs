using DeltaTui.Core.IO;
using System.Text.Json;
using DeltaTui.Formats.SafeTensors;

namespace DeltaTui.Gemma;

/// <summary>
/// Reads <c>config.json</c> as the Hugging Face hub writes it (<c>rope_theta</c>,
/// <c>rope_local_base_freq</c>, <c>rope_scaling</c>) and as transformers 5 saves it
/// (<c>rope_parameters</c> per layer type); writes the hub format, which both transformers
/// generations load.
/// </summary>
public static class Gemma3ConfigJson
{
    private const string SlidingName = "sliding_attention";
    private const string FullName = "full_attention";

    public static Gemma3Config Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{path}: the model config is missing", path, e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses config JSON; <paramref name="source"/> names the file in errors.</summary>
    public static Gemma3Config Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new Gemma3ConfigException(source, "(root)", $"is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new Gemma3ConfigException(source, "(root)", "must be a JSON object");
            }
            var reader = new Reader(root, source);
            var modelType = reader.OptionalString("model_type");
            if (modelType is not null and not "gemma3_text")
            {
                var hint = modelType == "gemma3" ? " (a multimodal config; this model reads text-only gemma3_text checkpoints)" : "";
                throw new Gemma3ConfigException(source, "model_type", $"is '{modelType}', expected 'gemma3_text'{hint}");
            }
            var activation = reader.OptionalString("hidden_activation") ?? reader.OptionalString("hidden_act");
            if (activation is not null and not "gelu_pytorch_tanh")
            {
                throw new Gemma3ConfigException(source, "hidden_activation", $"is '{activation}'; only 'gelu_pytorch_tanh' is supported");
            }
            if (reader.OptionalBool("attention_bias") == true)
            {
                throw new Gemma3ConfigException(source, "attention_bias", "is true; Gemma-3 projections have no bias and this model does not support one");
            }
            if (reader.OptionalBool("use_bidirectional_attention") == true)
            {
                throw new Gemma3ConfigException(source, "use_bidirectional_attention", "is true; only causal attention is supported");
            }

            var layers = reader.RequiredInt("num_hidden_layers");
            var (ropeTheta, ropeLocal, scaling) = ReadRope(reader, root, source);
            var config = new Gemma3Config
            {
                VocabSize = reader.RequiredInt("vocab_size"),
                HiddenSize = reader.RequiredInt("hidden_size"),
                IntermediateSize = reader.RequiredInt("intermediate_size"),
                NumHiddenLayers = layers,
                NumAttentionHeads = reader.RequiredInt("num_attention_heads"),
                NumKeyValueHeads = reader.RequiredInt("num_key_value_heads"),
                HeadDim = reader.RequiredInt("head_dim"),
                SlidingWindow = reader.RequiredInt("sliding_window"),
                LayerTypes = ReadLayerTypes(reader, root, source, layers),
                RopeTheta = ropeTheta,
                RopeLocalBaseFreq = ropeLocal,
                RopeScaling = scaling,
                QueryPreAttnScalar = reader.RequiredDouble("query_pre_attn_scalar"),
                RmsNormEps = reader.OptionalDouble("rms_norm_eps") ?? 1e-6,
                AttnLogitSoftcapping = reader.OptionalDouble("attn_logit_softcapping"),
                FinalLogitSoftcapping = reader.OptionalDouble("final_logit_softcapping"),
                TieWordEmbeddings = reader.OptionalBool("tie_word_embeddings") ?? true,
                MaxPositionEmbeddings = reader.OptionalInt("max_position_embeddings") ?? 32_768,
                InitializerRange = reader.OptionalDouble("initializer_range") ?? 0.02,
                BosTokenId = reader.OptionalInt("bos_token_id") ?? 2,
                EosTokenIds = reader.OptionalIntOrList("eos_token_id") ?? [1],
                PadTokenId = reader.OptionalInt("pad_token_id") ?? 0,
                TorchDtype = reader.OptionalString("torch_dtype") ?? reader.OptionalString("dtype") ?? "float32",
            };
            config.Validate(source);
            return config;
        }
    }

    private static IReadOnlyList<AttentionKind> ReadLayerTypes(Reader reader, JsonElement root, string source, int layers)
    {
        if (root.TryGetProperty("layer_types", out var types) && types.ValueKind != JsonValueKind.Null)
        {
            if (types.ValueKind != JsonValueKind.Array)
            {
                throw new Gemma3ConfigException(source, "layer_types", $"must be an array of strings, not {types.ValueKind}");
            }
            var result = new List<AttentionKind>();
            foreach (var item in types.EnumerateArray())
            {
                var name = item.ValueKind == JsonValueKind.String ? item.GetString() : item.GetRawText();
                result.Add(name switch
                {
                    SlidingName => AttentionKind.Sliding,
                    FullName => AttentionKind.Full,
                    _ => throw new Gemma3ConfigException(source, $"layer_types[{result.Count}]", $"is {name}; expected '{SlidingName}' or '{FullName}'"),
                });
            }
            return result;
        }
        var pattern = reader.OptionalInt("sliding_window_pattern") ?? reader.OptionalInt("_sliding_window_pattern") ?? 6;
        if (pattern <= 0)
        {
            throw new Gemma3ConfigException(source, "sliding_window_pattern", $"must be positive, not {pattern}");
        }
        return Gemma3Config.PatternLayerTypes(layers, pattern);
    }

    private static (double Theta, double LocalBase, RopeScaling Scaling) ReadRope(Reader reader, JsonElement root, string source)
    {
        if (root.TryGetProperty("rope_parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Null)
        {
            if (parameters.ValueKind != JsonValueKind.Object)
            {
                throw new Gemma3ConfigException(source, "rope_parameters", $"must be an object, not {parameters.ValueKind}");
            }
            if (!parameters.TryGetProperty(FullName, out var full) || !parameters.TryGetProperty(SlidingName, out var sliding))
            {
                throw new Gemma3ConfigException(source, "rope_parameters", $"must have '{FullName}' and '{SlidingName}' entries (Gemma-3 uses one RoPE per layer type)");
            }
            var fullReader = new Reader(full, source, $"rope_parameters.{FullName}.");
            var fullScaling = ReadScaling(fullReader, source, $"rope_parameters.{FullName}");
            var slidingReader = new Reader(sliding, source, $"rope_parameters.{SlidingName}.");
            var slidingScaling = ReadScaling(slidingReader, source, $"rope_parameters.{SlidingName}");
            if (!slidingScaling.IsNone)
            {
                throw new Gemma3ConfigException(source, $"rope_parameters.{SlidingName}.rope_type", $"is '{slidingScaling.Type}'; sliding layers support only 'default'");
            }
            return (fullReader.RequiredDouble("rope_theta"), slidingReader.RequiredDouble("rope_theta"), fullScaling);
        }

        var scaling = RopeScaling.None;
        if (root.TryGetProperty("rope_scaling", out var scalingElement) && scalingElement.ValueKind != JsonValueKind.Null)
        {
            if (scalingElement.ValueKind != JsonValueKind.Object)
            {
                throw new Gemma3ConfigException(source, "rope_scaling", $"must be an object or null, not {scalingElement.ValueKind}");
            }
            scaling = ReadScaling(new Reader(scalingElement, source, "rope_scaling."), source, "rope_scaling");
        }
        return (reader.OptionalDouble("rope_theta") ?? 1_000_000.0, reader.OptionalDouble("rope_local_base_freq") ?? 10_000.0, scaling);
    }

    private static RopeScaling ReadScaling(Reader reader, string source, string prefix)
    {
        var type = reader.OptionalString("rope_type") ?? reader.OptionalString("type") ?? "default";
        switch (type)
        {
            case "default":
                return RopeScaling.None;
            case "linear":
                return new RopeScaling("linear", reader.RequiredDouble("factor"));
            default:
                throw new Gemma3ConfigException(source, $"{prefix}.rope_type", $"is '{type}'; only 'default' and 'linear' RoPE are supported");
        }
    }

    /// <summary>The hub-format JSON for <paramref name="config"/> (what transformers' save_pretrained of a hub model holds).</summary>
    public static string ToJson(Gemma3Config config)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            json.WriteStringValue("Gemma3ForCausalLM");
            json.WriteEndArray();
            json.WriteString("model_type", "gemma3_text");
            json.WriteBoolean("attention_bias", false);
            json.WriteNumber("attention_dropout", 0.0);
            WriteNullable(json, "attn_logit_softcapping", config.AttnLogitSoftcapping);
            json.WriteNumber("bos_token_id", config.BosTokenId);
            if (config.EosTokenIds.Count == 1)
            {
                json.WriteNumber("eos_token_id", config.EosTokenIds[0]);
            }
            else
            {
                json.WriteStartArray("eos_token_id");
                foreach (var id in config.EosTokenIds)
                {
                    json.WriteNumberValue(id);
                }
                json.WriteEndArray();
            }
            json.WriteNumber("pad_token_id", config.PadTokenId);
            WriteNullable(json, "final_logit_softcapping", config.FinalLogitSoftcapping);
            json.WriteString("hidden_activation", "gelu_pytorch_tanh");
            json.WriteNumber("initializer_range", config.InitializerRange);
            json.WriteNumber("rms_norm_eps", config.RmsNormEps);
            if (config.RopeScaling.IsNone)
            {
                json.WriteNull("rope_scaling");
            }
            else
            {
                json.WriteStartObject("rope_scaling");
                json.WriteString("rope_type", config.RopeScaling.Type);
                json.WriteNumber("factor", config.RopeScaling.Factor);
                json.WriteEndObject();
            }
            json.WriteNumber("rope_theta", config.RopeTheta);
            json.WriteNumber("rope_local_base_freq", config.RopeLocalBaseFreq);
            json.WriteString("torch_dtype", config.TorchDtype);
            json.WriteBoolean("use_cache", true);
            json.WriteBoolean("tie_word_embeddings", config.TieWordEmbeddings);
            json.WriteNumber("vocab_size", config.VocabSize);
            json.WriteNumber("hidden_size", config.HiddenSize);
            json.WriteNumber("intermediate_size", config.IntermediateSize);
            json.WriteNumber("num_hidden_layers", config.NumHiddenLayers);
            json.WriteNumber("num_attention_heads", config.NumAttentionHeads);
            json.WriteNumber("num_key_value_heads", config.NumKeyValueHeads);
            json.WriteNumber("head_dim", config.HeadDim);
            json.WriteNumber("sliding_window", config.SlidingWindow);
            json.WriteNumber("query_pre_attn_scalar", config.QueryPreAttnScalar);
            json.WriteNumber("max_position_embeddings", config.MaxPositionEmbeddings);
            json.WriteStartArray("layer_types");
            foreach (var kind in config.LayerTypes)
            {
                json.WriteStringValue(kind == AttentionKind.Full ? FullName : SlidingName);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static void Write(string path, Gemma3Config config) => AtomicFile.WriteAllText(path, ToJson(config));

    private static void WriteNullable(Utf8JsonWriter json, string key, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(key, number);
        }
        else
        {
            json.WriteNull(key);
        }
    }

    /// <summary>Typed access to one JSON object's keys with errors that name the file and the full key.</summary>
    private readonly struct Reader(JsonElement element, string source, string prefix = "")
    {
        private bool TryGet(string key, out JsonElement value) =>
            element.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

        private Gemma3ConfigException Wrong(string key, string expected, JsonElement value) =>
            new(source, prefix + key, $"must be {expected}, not {value.ValueKind} {Truncate(value.GetRawText())}");

        private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

        public int RequiredInt(string key) =>
            OptionalInt(key) ?? throw new Gemma3ConfigException(source, prefix + key, "is missing");

        public int? OptionalInt(string key)
        {
            if (!TryGet(key, out var value))
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
            {
                return number;
            }
            // Python writes some integers as floats (e.g. 256.0): accept whole values.
            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var real) && real == Math.Floor(real) && Math.Abs(real) <= int.MaxValue)
            {
                return (int)real;
            }
            throw Wrong(key, "an integer", value);
        }

        public double RequiredDouble(string key) =>
            OptionalDouble(key) ?? throw new Gemma3ConfigException(source, prefix + key, "is missing");

        public double? OptionalDouble(string key)
        {
            if (!TryGet(key, out var value))
            {
                return null;
            }
            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
                ? number
                : throw Wrong(key, "a number", value);
        }

        public bool? OptionalBool(string key)
        {
            if (!TryGet(key, out var value))
            {
                return null;
            }
            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Wrong(key, "true or false", value),
            };
        }

        public string? OptionalString(string key)
        {
            if (!TryGet(key, out var value))
            {
                return null;
            }
            return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(key, "a string", value);
        }

        public IReadOnlyList<int>? OptionalIntOrList(string key)
        {
            if (!TryGet(key, out var value))
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Array)
            {
                var ids = new List<int>();
                foreach (var item in value.EnumerateArray())
                {
                    ids.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var id) ? id : throw Wrong(key, "an integer or a list of integers", value));
                }
                return ids;
            }
            return [OptionalInt(key)!.Value];
        }
    }
}
