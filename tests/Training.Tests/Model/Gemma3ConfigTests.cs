using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

public sealed class Gemma3ConfigTests
{
    private const string Minimal = """
        "vocab_size": 512, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 12,
        "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 16, "sliding_window": 8,
        "query_pre_attn_scalar": 16
        """;

    [Fact]
    public void Given_the_270M_preset_When_building_it_on_the_meta_device_Then_it_has_268098176_parameters()
    {
        // The meta device gives every parameter its shape without allocating the ~1 GB of storage.
        using var model = Gemma3ForCausalLM.CreateZeroed(Gemma3Config.Gemma3_270M, ScalarType.Float32, META);

        var counted = model.parameters().Sum(p => p.numel());

        Assert.Equal(268_098_176L, counted);
        Assert.Equal(268_098_176L, Gemma3Config.Gemma3_270M.ParameterCount());
        Assert.Equal([5, 11, 17], Enumerable.Range(0, 18).Where(i => Gemma3Config.Gemma3_270M.LayerTypes[i] == AttentionKind.Full));
    }

    [Fact]
    public void Given_the_tiny_fixture_config_When_counting_Then_the_formula_agrees_with_the_built_model()
    {
        var config = Gemma3ConfigJson.Read(Path.Combine(TinyGemmaFixture.Folder, "config.json"));
        using var model = Gemma3ForCausalLM.CreateZeroed(config, ScalarType.Float32, META);

        Assert.Equal(model.parameters().Sum(p => p.numel()), config.ParameterCount());
        // 512·64 embedding + 6 layers × (attention 10,272 + MLP 24,576 + norms 256) + final norm 64.
        Assert.Equal(32_768 + 6 * (10_272 + 24_576 + 256) + 64, config.ParameterCount());
    }

    [Fact]
    public void Given_only_a_sliding_window_pattern_When_parsing_Then_every_sixth_layer_is_full()
    {
        var config = Gemma3ConfigJson.Parse($$"""{ {{Minimal}}, "sliding_window_pattern": 6 }""", "cfg.json");

        Assert.Equal([5, 11], Enumerable.Range(0, 12).Where(i => config.LayerTypes[i] == AttentionKind.Full));
    }

    [Fact]
    public void Given_hub_rope_fields_with_linear_scaling_When_parsing_Then_full_layers_scale_and_sliding_do_not()
    {
        var config = Gemma3ConfigJson.Parse(
            $$"""{ {{Minimal}}, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "rope_scaling": {"rope_type": "linear", "factor": 8.0} }""", "cfg.json");

        Assert.Equal(new RopeScaling("linear", 8.0), config.RopeScaling);
        Assert.Equal(1e6, config.RopeTheta);
        Assert.Equal(1e4, config.RopeLocalBaseFreq);
    }

    [Fact]
    public void Given_a_yarn_rope_When_parsing_Then_the_key_and_file_are_named()
    {
        var error = Assert.Throws<Gemma3ConfigException>(() => Gemma3ConfigJson.Parse(
            $$"""{ {{Minimal}}, "rope_parameters": {"full_attention": {"rope_type": "yarn", "rope_theta": 1e6, "factor": 4}, "sliding_attention": {"rope_type": "default", "rope_theta": 1e4} } }""", "snap/config.json"));

        Assert.Equal("rope_parameters.full_attention.rope_type", error.Key);
        Assert.StartsWith("snap/config.json: 'rope_parameters.full_attention.rope_type' is 'yarn'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_config_without_head_dim_When_parsing_Then_the_missing_key_is_named()
    {
        var json = $$"""{ {{Minimal.Replace("\"head_dim\": 16,", "")}} }""";

        var error = Assert.Throws<Gemma3ConfigException>(() => Gemma3ConfigJson.Parse(json, "snap/config.json"));

        Assert.Equal("snap/config.json: 'head_dim' is missing", error.Message);
    }

    [Fact]
    public void Given_a_hidden_size_written_as_a_string_When_parsing_Then_the_type_error_names_the_key()
    {
        var json = $$"""{ {{Minimal.Replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"")}} }""";

        var error = Assert.Throws<Gemma3ConfigException>(() => Gemma3ConfigJson.Parse(json, "snap/config.json"));

        Assert.Equal("hidden_size", error.Key);
        Assert.Contains("must be an integer, not String", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_layer_types_that_disagree_with_the_layer_count_When_parsing_Then_it_is_rejected()
    {
        var json = $$"""{ {{Minimal}}, "layer_types": ["sliding_attention", "full_attention"] }""";

        var error = Assert.Throws<Gemma3ConfigException>(() => Gemma3ConfigJson.Parse(json, "c.json"));

        Assert.Equal("c.json: 'layer_types' has 2 entries but num_hidden_layers is 12", error.Message);
    }

    [Fact]
    public void Given_a_multimodal_gemma3_config_When_parsing_Then_the_model_type_is_named()
    {
        var error = Assert.Throws<Gemma3ConfigException>(() => Gemma3ConfigJson.Parse("""{"model_type": "gemma3", "text_config": {}}""", "c.json"));

        Assert.Equal("model_type", error.Key);
    }

    [Fact]
    public void Given_a_config_with_softcapping_When_written_and_read_back_Then_every_field_survives()
    {
        var original = Gemma3ConfigJson.Parse(
            $$"""{ {{Minimal}}, "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "eos_token_id": [1, 106], "rope_scaling": {"type": "linear", "factor": 2.0} }""", "c.json");

        var again = Gemma3ConfigJson.Parse(Gemma3ConfigJson.ToJson(original), "written.json");

        Assert.Equal(Gemma3ConfigJson.ToJson(original), Gemma3ConfigJson.ToJson(again));
        Assert.Equal(50.0, again.AttnLogitSoftcapping);
        Assert.Equal(30.0, again.FinalLogitSoftcapping);
        Assert.Equal([1, 106], again.EosTokenIds);
        Assert.Equal(2.0, again.RopeScaling.Factor);
        Assert.Equal(original.LayerTypes, again.LayerTypes);
    }

    [Fact]
    public void Given_a_byte_tokenizer_vocabulary_When_making_a_tiny_config_Then_it_is_valid_and_sized_by_the_caller()
    {
        var config = Gemma3Config.Tiny(vocabSize: 262);

        config.Validate("tiny");
        Assert.Equal(262, config.VocabSize);
        Assert.Equal(AttentionKind.Full, config.LayerTypes[^1]);
    }
}
