namespace DeltaTui.Gemma;

/// <summary>
/// The weights a <see cref="Gemma3ForCausalLM"/> of a given config holds, by Hugging Face name, with their shapes:
/// what a snapshot's safetensors must contain, known without building the model (a test keeps it equal to the
/// model's own parameters).
/// </summary>
public static class Gemma3WeightShapes
{
    public static IReadOnlyDictionary<string, long[]> Of(Gemma3Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long hidden = config.HiddenSize, head = config.HeadDim;
        long query = config.NumAttentionHeads * head, keyValue = config.NumKeyValueHeads * head;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["model.embed_tokens.weight"] = [config.VocabSize, hidden],
            ["model.norm.weight"] = [hidden],
        };
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var p = $"model.layers.{layer}.";
            shapes[p + "self_attn.q_proj.weight"] = [query, hidden];
            shapes[p + "self_attn.k_proj.weight"] = [keyValue, hidden];
            shapes[p + "self_attn.v_proj.weight"] = [keyValue, hidden];
            shapes[p + "self_attn.o_proj.weight"] = [hidden, query];
            shapes[p + "self_attn.q_norm.weight"] = [head];
            shapes[p + "self_attn.k_norm.weight"] = [head];
            shapes[p + "mlp.gate_proj.weight"] = [config.IntermediateSize, hidden];
            shapes[p + "mlp.up_proj.weight"] = [config.IntermediateSize, hidden];
            shapes[p + "mlp.down_proj.weight"] = [hidden, config.IntermediateSize];
            shapes[p + "input_layernorm.weight"] = [hidden];
            shapes[p + "post_attention_layernorm.weight"] = [hidden];
            shapes[p + "pre_feedforward_layernorm.weight"] = [hidden];
            shapes[p + "post_feedforward_layernorm.weight"] = [hidden];
        }
        if (!config.TieWordEmbeddings) shapes["lm_head.weight"] = [config.VocabSize, hidden];
        return shapes;
    }
}
