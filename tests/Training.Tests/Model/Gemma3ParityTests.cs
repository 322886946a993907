using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

/// <summary>Our model against transformers' outputs for the same weights and inputs.</summary>
public sealed class Gemma3ParityTests
{
    [Theory]
    [InlineData(AttentionImplementation.Sdpa)]
    [InlineData(AttentionImplementation.Eager)]
    public void Given_the_tiny_fixture_When_computing_logits_Then_every_unpadded_position_matches_transformers(AttentionImplementation implementation)
    {
        var reference = TinyGemmaFixture.Reference();
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder);
        model.AttentionImplementation = implementation;
        model.eval();

        using var noGrad = no_grad();
        var logits = model.Logits(model.forward(reference["input_ids"], reference["attention_mask"]));

        Assert.Equal(reference["logits"].shape, logits.shape);
        var error = TinyGemmaFixture.MaxErrorOnUnpadded(logits, reference["logits"], reference["attention_mask"]);
        Assert.True(error <= 1e-4, $"max abs logit error {error}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Given_the_tiny_fixture_When_computing_completion_log_probs_Then_they_match_transformers(int chunkSize)
    {
        var reference = TinyGemmaFixture.Reference();
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder);
        model.eval();

        using var noGrad = no_grad();
        var hidden = model.forward(reference["input_ids"], reference["attention_mask"]);
        var logProbs = model.CompletionLogProbs(hidden, reference["input_ids"], reference["completion_mask"], chunkSize);

        var expected = reference["completion_logps"].data<float>().ToArray();
        var actual = logProbs.data<float>().ToArray();
        Assert.Equal(ScalarType.Float32, logProbs.dtype);
        Assert.Equal(2, actual.Length);
        for (var row = 0; row < 2; row++)
        {
            Assert.True(Math.Abs(actual[row] - expected[row]) <= 1e-3, $"row {row}: ours {actual[row]}, transformers {expected[row]}");
        }
    }

    [Fact]
    public void Given_the_hub_and_transformers_5_config_formats_When_loading_the_same_weights_Then_outputs_are_identical()
    {
        var reference = TinyGemmaFixture.Reference();
        var parent = Directory.CreateTempSubdirectory("gemma3-configs-").FullName;
        try
        {
            using var hub = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.SnapshotWithConfig("config.json", parent));
            using var saved = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.SnapshotWithConfig("config.saved-by-transformers-5.17.json", parent));

            using var noGrad = no_grad();
            var fromHub = hub.Logits(hub.forward(reference["input_ids"], reference["attention_mask"]));
            var fromSaved = saved.Logits(saved.forward(reference["input_ids"], reference["attention_mask"]));

            Assert.True(fromHub.equal(fromSaved).all().item<bool>());
            Assert.Equal(hub.Config.LayerTypes, saved.Config.LayerTypes);
            Assert.Equal(hub.Config.RopeLocalBaseFreq, saved.Config.RopeLocalBaseFreq);
            Assert.Equal(hub.Config.RopeTheta, saved.Config.RopeTheta);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
