using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Gemma;
using DeltaTui.Training.Config;
using DeltaTui.Training.Sinks;
using Xunit;

namespace DeltaTui.Training.Tests.Sinks;

public sealed class HfSnapshotExtrasTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("hf-extras-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string FinalFolderWithModel()
    {
        var final = Path.Combine(root, "final_checkpoint", "run1");
        using var model = Gemma3ForCausalLM.CreateRandom(Gemma3Config.Tiny(vocabSize: 262, numHiddenLayers: 1), seed: 1);
        model.SavePretrained(final);
        return final;
    }

    private static async Task Feed(HfSnapshotExtras sink, bool stopped)
    {
        await sink.HandleAsync(new StepCompleted(3, 3, new Dictionary<string, double> { [DpoMetricNames.Loss] = 0.5 }), default);
        await sink.HandleAsync(new MaskSaved(3, "magnitude", "/masks/run1/magnitude_step3.safetensors", 0.9), default);
        await sink.HandleAsync(new RunFinished(3, "/runs/run1", [], stopped), default);
    }

    [Fact]
    public async Task Given_a_hub_snapshot_source_When_the_run_finishes_Then_its_tokenizer_files_generation_config_and_a_card_sit_beside_the_model()
    {
        var source = Path.Combine(root, "source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "tokenizer.json"), "{\"tok\": 1}");
        File.WriteAllText(Path.Combine(source, "tokenizer_config.json"), "{\"chat_template\": \"x\"}");
        File.WriteAllText(Path.Combine(source, "special_tokens_map.json"), "{}");
        File.WriteAllText(Path.Combine(source, "generation_config.json"), "{\"eos_token_id\": [1, 106]}");
        var final = FinalFolderWithModel();
        var options = new DeltaTuiOptions { Model = new ModelOptions { Path = source }, Run = new RunOptions { Name = "run1" } };
        var sink = new HfSnapshotExtras(options, final) { DataFingerprint = "abc123" };

        await Feed(sink, stopped: false);

        Assert.Equal("{\"tok\": 1}", File.ReadAllText(Path.Combine(final, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(final, "tokenizer_config.json")));
        Assert.True(File.Exists(Path.Combine(final, "special_tokens_map.json")));
        Assert.False(File.Exists(Path.Combine(final, "tokenizer.model")));
        Assert.Equal([1, 106], Gemma3GenerationConfig.EosTokenIds(final, Gemma3ConfigJson.Read(Path.Combine(final, "config.json"))));
        var card = File.ReadAllText(Path.Combine(final, "README.md"));
        Assert.Contains("- steps: 3", card);
        Assert.Contains("abc123", card);
        Assert.Contains($"- {DpoMetricNames.Loss}: 0.5", card);
        Assert.Contains("magnitude_step3.safetensors", card);
        Assert.Contains("\"run\"", card, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Given_the_embedded_model_with_the_byte_tokenizer_When_the_run_finishes_Then_the_card_says_no_hf_tokenizer_exists_and_a_generation_config_is_made()
    {
        var final = FinalFolderWithModel();
        var sink = new HfSnapshotExtras(new DeltaTuiOptions(), final);

        await Feed(sink, stopped: false);

        Assert.Contains("No Hugging Face tokenizer exists", File.ReadAllText(Path.Combine(final, "README.md")));
        Assert.False(File.Exists(Path.Combine(final, "tokenizer.json")));
        using var generation = JsonDocument.Parse(File.ReadAllText(Path.Combine(final, "generation_config.json")));
        Assert.Equal(1, generation.RootElement.GetProperty("eos_token_id")[0].GetInt32());
    }

    [Fact]
    public async Task Given_a_stopped_run_When_it_finishes_Then_nothing_is_added()
    {
        var final = FinalFolderWithModel();
        var sink = new HfSnapshotExtras(new DeltaTuiOptions(), final);

        await Feed(sink, stopped: true);

        Assert.False(File.Exists(Path.Combine(final, "README.md")));
    }
}
