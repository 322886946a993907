using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

public sealed class Gemma3PrecisionTests
{
    [Fact]
    public void Given_bf16_embeddings_When_scaling_Then_the_scale_is_sqrt_hidden_rounded_to_bf16()
    {
        // sqrt(640) = 25.2982…; in bf16 (8 significant bits) that is 25.25, as transformers computes.
        var embedding = new Gemma3ScaledEmbedding(4, 640, ScalarType.BFloat16, CPU);
        using (no_grad())
        {
            embedding.Weight.fill_(1.0);
        }

        var scaled = embedding.forward(tensor(new long[] { 3 }).view(1, 1));

        Assert.Equal(ScalarType.BFloat16, scaled.dtype);
        Assert.Equal(25.25f, scaled.to_type(ScalarType.Float32)[0, 0, 0].item<float>());
    }

    [Fact]
    public void Given_the_fixture_in_bf16_When_computing_logits_Then_they_stay_near_the_fp32_reference()
    {
        var reference = TinyGemmaFixture.Reference();
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder, ScalarType.BFloat16);
        model.eval();

        using var noGrad = no_grad();
        var logits = model.Logits(model.forward(reference["input_ids"], reference["attention_mask"]));

        Assert.Equal(ScalarType.BFloat16, logits.dtype);
        var error = TinyGemmaFixture.MaxErrorOnUnpadded(logits, reference["logits"], reference["attention_mask"]);
        var range = reference["logits"].abs().max().item<float>();
        // bf16 keeps ~3 significant digits; six layers of rounding stay within a few percent of the logit range.
        Assert.True(error <= 0.05 * range, $"bf16 max error {error} against logit range {range}");
    }

    [Fact]
    public void Given_a_model_When_cloning_it_frozen_in_bf16_Then_the_copy_is_independent_gradient_free_and_converted()
    {
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder);
        using var frozen = model.CloneFrozen(ScalarType.BFloat16);

        var name = "model.layers.0.self_attn.q_proj.weight";
        var original = model.named_parameters().First(p => p.name == name).parameter;
        var copy = frozen.named_parameters().First(p => p.name == name).parameter;
        var before = copy.clone();
        var originalValues = original.detach().clone();
        using (no_grad())
        {
            original.add_(1.0);
        }

        Assert.Equal(ScalarType.BFloat16, copy.dtype);
        Assert.All(frozen.parameters(), p => Assert.False(p.requires_grad));
        Assert.False(frozen.training);
        Assert.True(before.equal(copy).all().item<bool>());
        Assert.True(originalValues.to_type(ScalarType.BFloat16).equal(copy).all().item<bool>());
    }
}
