using DeltaTui.Torch.SafeTensors;
using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

/// <summary>The softcapping options, checked against the uncapped fixture model and the formula cap·tanh(x/cap).</summary>
public sealed class Gemma3SoftcappingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gemma3-softcap-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Gemma3ForCausalLM FixtureWith(Func<Gemma3Config, Gemma3Config> change, string name)
    {
        var folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        var config = change(Gemma3ConfigJson.Read(Path.Combine(TinyGemmaFixture.Folder, "config.json")));
        Gemma3ConfigJson.Write(Path.Combine(folder, "config.json"), config);
        File.Copy(Path.Combine(TinyGemmaFixture.Folder, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
        var model = Gemma3ForCausalLM.FromPretrained(folder);
        model.eval();
        return model;
    }

    private static Tensor Logits(Gemma3ForCausalLM model, Dictionary<string, Tensor> reference)
    {
        using var noGrad = no_grad();
        return model.Logits(model.forward(reference["input_ids"], reference["attention_mask"]));
    }

    [Theory]
    [InlineData(AttentionImplementation.Sdpa)]
    [InlineData(AttentionImplementation.Eager)]
    public void Given_a_config_we_wrote_with_both_caps_and_linear_rope_When_transformers_ran_it_Then_our_logits_match(AttentionImplementation implementation)
    {
        // transformers 5.17 loaded config-softcap-linear-rope.json (our writer's output: attention cap
        // 0.05, final cap 0.5, linear RoPE factor 2 on full layers, bases 5000 and 100) with the
        // fixture weights, reported no missing or unexpected keys, and produced these logits. Its
        // Gemma-3 reads attn_logit_softcapping but does not apply it, so by default neither do we.
        var reference = TinyGemmaFixture.Reference();
        var expected = DeltaTui.Torch.SafeTensors.SafeTensorsFile.Load(Path.Combine(TinyGemmaFixture.Folder, "reference-softcap-linear-rope.safetensors"))["logits"];
        var folder = Path.Combine(_folder, "transformers-ran");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(TinyGemmaFixture.Folder, "config-softcap-linear-rope.json"), Path.Combine(folder, "config.json"));
        File.Copy(Path.Combine(TinyGemmaFixture.Folder, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
        using var model = Gemma3ForCausalLM.FromPretrained(folder);
        model.AttentionImplementation = implementation;
        model.eval();

        var logits = Logits(model, reference);

        Assert.Equal(new RopeScaling("linear", 2.0), model.Config.RopeScaling);
        var error = TinyGemmaFixture.MaxErrorOnUnpadded(logits, expected, reference["attention_mask"]);
        Assert.True(error <= 1e-4, $"max abs logit error {error}");
    }

    [Fact]
    public void Given_a_final_logit_cap_When_computing_logits_Then_they_are_cap_tanh_of_the_uncapped_logits()
    {
        var reference = TinyGemmaFixture.Reference();
        using var plain = FixtureWith(c => c, "plain");
        using var capped = FixtureWith(c => c with { FinalLogitSoftcapping = 0.5 }, "capped");

        var expected = (Logits(plain, reference) / 0.5).tanh() * 0.5;
        var actual = Logits(capped, reference);

        Assert.True((expected - actual).abs().max().item<float>() <= 1e-6);
        Assert.True(actual.abs().max().item<float>() < 0.5);
        Assert.True(Logits(plain, reference).abs().max().item<float>() > 0.5, "the cap must bind for this test to mean anything");
    }

    [Fact]
    public void Given_final_capping_When_computing_completion_log_probs_Then_the_chunked_path_applies_the_cap_too()
    {
        var reference = TinyGemmaFixture.Reference();
        using var capped = FixtureWith(c => c with { FinalLogitSoftcapping = 0.5 }, "capped");
        var (ids, completion) = (reference["input_ids"], reference["completion_mask"]);

        using var noGrad = no_grad();
        var hidden = capped.forward(ids, reference["attention_mask"]);
        var logProbs = capped.Logits(hidden).log_softmax(-1).narrow(1, 0, 39).gather(-1, ids.narrow(1, 1, 39).unsqueeze(-1)).squeeze(-1);
        var expected = (logProbs * completion.narrow(1, 1, 39).to_type(ScalarType.Float32)).sum(1);
        var actual = capped.CompletionLogProbs(hidden, ids, completion, 8);

        Assert.True((expected - actual).abs().max().item<float>() <= 1e-4);
    }

    [Fact]
    public void Given_final_capping_When_backpropagating_chunked_log_probs_Then_gradients_equal_autograd_over_the_capped_logits()
    {
        var reference = TinyGemmaFixture.Reference();
        using var capped = FixtureWith(c => c with { FinalLogitSoftcapping = 0.5 }, "capped-grad");
        capped.train();
        var (ids, mask, completion) = (reference["input_ids"], reference["attention_mask"], reference["completion_mask"]);
        var weights = tensor(new[] { 0.75f, -1.25f });

        Dictionary<string, Tensor> Gradients(Func<Tensor> loss)
        {
            capped.zero_grad();
            loss().backward();
            return capped.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        }
        var expected = Gradients(() =>
        {
            var logProbs = capped.Logits(capped.forward(ids, mask)).log_softmax(-1).narrow(1, 0, 39).gather(-1, ids.narrow(1, 1, 39).unsqueeze(-1)).squeeze(-1);
            return ((logProbs * completion.narrow(1, 1, 39).to_type(ScalarType.Float32)).sum(1) * weights).sum();
        });
        var actual = Gradients(() => (capped.CompletionLogProbs(capped.forward(ids, mask), ids, completion, 8) * weights).sum());

        foreach (var (name, gradient) in expected)
        {
            var scale = gradient.abs().max().item<float>();
            Assert.True(scale > 0, $"{name}: a zero reference gradient would make the comparison vacuous");
            Assert.True((gradient - actual[name]).abs().max().item<float>() <= 1e-4 * scale, $"{name} differs");
        }
    }

    [Fact]
    public void Given_attention_capping_turned_on_When_running_the_fused_implementation_Then_it_falls_back_to_the_capped_eager_path()
    {
        var reference = TinyGemmaFixture.Reference();
        using var plain = FixtureWith(c => c, "plain");
        using var capped = FixtureWith(c => c with { AttnLogitSoftcapping = 0.05 }, "capped");
        using var loose = FixtureWith(c => c with { AttnLogitSoftcapping = 1e6 }, "loose");
        capped.ApplyAttentionLogitSoftcapping = true;
        loose.ApplyAttentionLogitSoftcapping = true;

        capped.AttentionImplementation = AttentionImplementation.Sdpa;
        var fused = Logits(capped, reference);
        capped.AttentionImplementation = AttentionImplementation.Eager;
        var eager = Logits(capped, reference);

        Assert.True(fused.equal(eager).all().item<bool>());
        var mask = reference["attention_mask"];
        Assert.True(TinyGemmaFixture.MaxErrorOnUnpadded(fused, Logits(plain, reference), mask) > 1e-2, "a tight cap changes the output");
        Assert.True(TinyGemmaFixture.MaxErrorOnUnpadded(Logits(loose, reference), reference["logits"], mask) <= 1e-4, "a cap far above every score changes nothing");
    }
}
