using DeltaTui.Training.Model;
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
    public void Given_an_attention_cap_When_running_the_fused_implementation_Then_it_falls_back_to_the_capped_eager_path()
    {
        var reference = TinyGemmaFixture.Reference();
        using var plain = FixtureWith(c => c, "plain");
        using var capped = FixtureWith(c => c with { AttnLogitSoftcapping = 0.05 }, "capped");
        using var loose = FixtureWith(c => c with { AttnLogitSoftcapping = 1e6 }, "loose");

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
