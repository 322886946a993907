using DeltaTui.Torch.SafeTensors;
using DeltaTui.Gemma;
using DeltaTui.Formats.SafeTensors;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

public sealed class Gemma3PretrainedTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gemma3-pretrained-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Sub(string name) => Path.Combine(_folder, name);

    [Fact]
    public void Given_the_fixture_When_loaded_saved_loaded_and_saved_again_Then_both_saves_are_byte_identical()
    {
        using (var first = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder))
        {
            first.SavePretrained(Sub("a"));
        }
        using (var second = Gemma3ForCausalLM.FromPretrained(Sub("a")))
        {
            second.SavePretrained(Sub("b"));
        }

        Assert.Equal(File.ReadAllBytes(Sub("a/model.safetensors")), File.ReadAllBytes(Sub("b/model.safetensors")));
        Assert.Equal(File.ReadAllBytes(Sub("a/config.json")), File.ReadAllBytes(Sub("b/config.json")));
        // Same tensors, names, order and metadata as transformers' own save of this model.
        Assert.Equal(File.ReadAllBytes(Path.Combine(TinyGemmaFixture.Folder, "model.safetensors")), File.ReadAllBytes(Sub("a/model.safetensors")));
    }

    [Fact]
    public void Given_a_trained_model_When_saved_and_reloaded_Then_logits_are_the_same_and_the_tied_head_is_not_stored()
    {
        var reference = TinyGemmaFixture.Reference();
        using var model = Gemma3ForCausalLM.CreateRandom(Gemma3ConfigJson.Read(Path.Combine(TinyGemmaFixture.Folder, "config.json")), seed: 7);
        model.SavePretrained(Sub("random"));
        using var reloaded = Gemma3ForCausalLM.FromPretrained(Sub("random"));

        using var noGrad = no_grad();
        var before = model.Logits(model.forward(reference["input_ids"], reference["attention_mask"]));
        var after = reloaded.Logits(reloaded.forward(reference["input_ids"], reference["attention_mask"]));

        Assert.True(before.equal(after).all().item<bool>());
        var header = SafeTensorsFile.ReadHeader(Sub("random/model.safetensors"));
        Assert.False(header.ByName.ContainsKey("lm_head.weight"));
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Equal(model.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal), header.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Given_an_untied_head_When_saved_and_reloaded_Then_lm_head_is_stored_counted_and_used()
    {
        var reference = TinyGemmaFixture.Reference();
        var config = Gemma3ConfigJson.Read(Path.Combine(TinyGemmaFixture.Folder, "config.json")) with { TieWordEmbeddings = false };
        using var model = Gemma3ForCausalLM.CreateRandom(config, seed: 3);
        model.SavePretrained(Sub("untied"));
        using var reloaded = Gemma3ForCausalLM.FromPretrained(Sub("untied"));

        using var noGrad = no_grad();
        var hidden = reloaded.forward(reference["input_ids"], reference["attention_mask"]);
        var head = reloaded.named_parameters().First(p => p.name == "lm_head.weight").parameter;

        Assert.True(SafeTensorsFile.ReadHeader(Sub("untied/model.safetensors")).ByName.ContainsKey("lm_head.weight"));
        Assert.Equal(config.ParameterCount(), reloaded.parameters().Sum(p => p.numel()));
        Assert.Equal(32_768 + Gemma3ConfigJson.Read(Path.Combine(TinyGemmaFixture.Folder, "config.json")).ParameterCount(), config.ParameterCount());
        Assert.True(reloaded.Logits(hidden).equal(hidden.matmul(head.t())).all().item<bool>());
        Assert.True(model.Logits(model.forward(reference["input_ids"], reference["attention_mask"])).equal(reloaded.Logits(hidden)).all().item<bool>());
    }

    [Fact]
    public void Given_bf16_stored_weights_When_loading_as_fp32_Then_values_are_the_bf16_values_widened()
    {
        var source = SafeTensorsFile.Load(Path.Combine(TinyGemmaFixture.Folder, "model.safetensors"));
        Directory.CreateDirectory(Sub("bf16"));
        File.Copy(Path.Combine(TinyGemmaFixture.Folder, "config.json"), Sub("bf16/config.json"));
        SafeTensorsFile.Save(Sub("bf16/model.safetensors"), source.Select(kv => (kv.Key, kv.Value.to_type(ScalarType.BFloat16))));

        using var model = Gemma3ForCausalLM.FromPretrained(Sub("bf16"), ScalarType.Float32);

        var loaded = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var expected = source["model.layers.3.mlp.up_proj.weight"].to_type(ScalarType.BFloat16).to_type(ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, loaded["model.layers.3.mlp.up_proj.weight"].dtype);
        Assert.True(expected.equal(loaded["model.layers.3.mlp.up_proj.weight"]).all().item<bool>());
    }

    [Fact]
    public void Given_a_sharded_snapshot_When_loading_Then_it_equals_the_single_file_model()
    {
        var source = SafeTensorsFile.Load(Path.Combine(TinyGemmaFixture.Folder, "model.safetensors"));
        Directory.CreateDirectory(Sub("sharded"));
        File.Copy(Path.Combine(TinyGemmaFixture.Folder, "config.json"), Sub("sharded/config.json"));
        var first = source.Where(kv => string.CompareOrdinal(kv.Key, "model.layers.3") < 0).ToList();
        var second = source.Except(first).ToList();
        SafeTensorsFile.Save(Sub("sharded/model-00001-of-00002.safetensors"), first.Select(kv => (kv.Key, kv.Value)));
        SafeTensorsFile.Save(Sub("sharded/model-00002-of-00002.safetensors"), second.Select(kv => (kv.Key, kv.Value)));
        var map = first.Select(kv => $"\"{kv.Key}\": \"model-00001-of-00002.safetensors\"")
            .Concat(second.Select(kv => $"\"{kv.Key}\": \"model-00002-of-00002.safetensors\""));
        File.WriteAllText(Sub("sharded/model.safetensors.index.json"), $"{{\"metadata\": {{}}, \"weight_map\": {{{string.Join(", ", map)}}}}}");

        using var sharded = Gemma3ForCausalLM.FromPretrained(Sub("sharded"));

        Assert.NotEmpty(first);
        Assert.NotEmpty(second);
        foreach (var (name, parameter) in sharded.named_parameters())
        {
            Assert.True(source[name].equal(parameter).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Given_a_checkpoint_with_a_missing_a_misshaped_and_an_extra_tensor_When_loading_Then_each_is_named()
    {
        var source = SafeTensorsFile.Load(Path.Combine(TinyGemmaFixture.Folder, "model.safetensors"));
        source.Remove("model.layers.2.self_attn.k_norm.weight");
        source["model.layers.4.mlp.down_proj.weight"] = zeros(64, 100);
        source["model.vision_tower.weight"] = zeros(3);
        Directory.CreateDirectory(Sub("broken"));
        File.Copy(Path.Combine(TinyGemmaFixture.Folder, "config.json"), Sub("broken/config.json"));
        SafeTensorsFile.Save(Sub("broken/model.safetensors"), source.Select(kv => (kv.Key, kv.Value)));

        var error = Assert.Throws<Gemma3CheckpointException>(() => Gemma3ForCausalLM.FromPretrained(Sub("broken")));

        Assert.Equal(
            [
                "tensor 'model.layers.4.mlp.down_proj.weight' in model.safetensors has shape [64, 100], the model expects [64, 128]",
                "unexpected tensor 'model.vision_tower.weight' in model.safetensors",
                "missing tensor 'model.layers.2.self_attn.k_norm.weight' [16]",
            ],
            error.Problems);
        Assert.StartsWith(Sub("broken"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_folder_without_weights_When_loading_Then_the_error_names_both_expected_files()
    {
        Directory.CreateDirectory(Sub("empty"));
        File.Copy(Path.Combine(TinyGemmaFixture.Folder, "config.json"), Sub("empty/config.json"));

        var error = Assert.Throws<FileNotFoundException>(() => Gemma3ForCausalLM.FromPretrained(Sub("empty")));

        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", error.Message, StringComparison.Ordinal);
    }
}
