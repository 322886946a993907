namespace DeltaTui.Gemma;

/// <summary>
/// The weights of google/gemma-3-270m by their Hugging Face names, for benchmarks and checks that need
/// the real sizes without the snapshot: 18 decoder layers of hidden size 640 (4 query heads and 1 key/value
/// head of 256, MLP 2048) and a 262,144-token embedding, 268,098,176 parameters in all.
/// </summary>
public static class Gemma270mWeightShapes
{
    public const int Layers = 18;

    /// <summary>The 2-D weights (the embedding first when asked for), <paramref name="layers"/> decoder layers' worth.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Matrices(int layers = Layers, bool embedding = true)
    {
        CheckLayers(layers);
        var shapes = new List<(string, long[])>();
        if (embedding) shapes.Add(("model.embed_tokens.weight", [262144, 640]));
        for (var layer = 0; layer < layers; layer++)
        {
            var p = $"model.layers.{layer}.";
            shapes.Add((p + "self_attn.q_proj.weight", [1024, 640]));
            shapes.Add((p + "self_attn.k_proj.weight", [256, 640]));
            shapes.Add((p + "self_attn.v_proj.weight", [256, 640]));
            shapes.Add((p + "self_attn.o_proj.weight", [640, 1024]));
            shapes.Add((p + "mlp.gate_proj.weight", [2048, 640]));
            shapes.Add((p + "mlp.up_proj.weight", [2048, 640]));
            shapes.Add((p + "mlp.down_proj.weight", [640, 2048]));
        }
        return shapes;
    }

    /// <summary>The 1-D weights (RMS norms) of <paramref name="layers"/> decoder layers, then the final norm.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Vectors(int layers = Layers)
    {
        CheckLayers(layers);
        var shapes = new List<(string, long[])>();
        for (var layer = 0; layer < layers; layer++)
        {
            var p = $"model.layers.{layer}.";
            shapes.Add((p + "input_layernorm.weight", [640]));
            shapes.Add((p + "self_attn.q_norm.weight", [256]));
            shapes.Add((p + "self_attn.k_norm.weight", [256]));
            shapes.Add((p + "post_attention_layernorm.weight", [640]));
            shapes.Add((p + "pre_feedforward_layernorm.weight", [640]));
            shapes.Add((p + "post_feedforward_layernorm.weight", [640]));
        }
        shapes.Add(("model.norm.weight", [640]));
        return shapes;
    }

    private static void CheckLayers(int layers)
    {
        if (layers is < 0 or > Layers) throw new ArgumentOutOfRangeException(nameof(layers), $"Gemma-3 270M has {Layers} decoder layers; got {layers}");
    }
}
