using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

/// <summary>Chunked log-probs and gradient checkpointing against the plain computation, values and gradients.</summary>
public sealed class Gemma3GradientTests
{
    private static Gemma3ForCausalLM FixtureModel()
    {
        var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder);
        model.train();
        return model;
    }

    /// <summary>Σ completion log-probs from the full [B,T,V] logits at once: the definition, unchunked.</summary>
    private static Tensor Unchunked(Gemma3ForCausalLM model, Tensor hidden, Tensor ids, Tensor completionMask)
    {
        var length = ids.shape[1];
        var logProbs = model.Logits(hidden).to_type(ScalarType.Float32).log_softmax(-1).narrow(1, 0, length - 1);
        var picked = logProbs.gather(-1, ids.narrow(1, 1, length - 1).unsqueeze(-1)).squeeze(-1);
        return (picked * completionMask.narrow(1, 1, length - 1).to_type(ScalarType.Float32)).sum(1);
    }

    private static Dictionary<string, Tensor> Gradients(Gemma3ForCausalLM model, Func<Tensor> loss)
    {
        model.zero_grad();
        loss().backward();
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
    }

    private static void AssertClose(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual, double tolerance)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, gradient) in expected)
        {
            var error = (gradient - actual[name]).abs().max().item<float>();
            var scale = gradient.abs().max().item<float>();
            Assert.True(scale > 0, $"{name}: zero reference gradient would make the comparison vacuous");
            Assert.True(error <= tolerance * scale, $"{name}: max gradient difference {error} (scale {scale})");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(39)]
    public void Given_chunk_sizes_When_computing_completion_log_probs_Then_values_and_gradients_equal_the_unchunked_computation(int chunkSize)
    {
        var reference = TinyGemmaFixture.Reference();
        var (ids, mask, completion) = (reference["input_ids"], reference["attention_mask"], reference["completion_mask"]);
        using var model = FixtureModel();
        var weights = tensor(new[] { 1.0f, -0.5f });

        var expectedValue = Unchunked(model, model.forward(ids, mask), ids, completion);
        var expected = Gradients(model, () => (Unchunked(model, model.forward(ids, mask), ids, completion) * weights).sum());
        var actualValue = model.CompletionLogProbs(model.forward(ids, mask), ids, completion, chunkSize);
        var actual = Gradients(model, () => (model.CompletionLogProbs(model.forward(ids, mask), ids, completion, chunkSize) * weights).sum());

        Assert.True((expectedValue - actualValue).abs().max().item<float>() <= 1e-4);
        AssertClose(expected, actual, 1e-4);
    }

    [Fact]
    public void Given_bf16_weights_When_backpropagating_chunked_log_probs_Then_gradients_match_autograd_within_bf16_rounding()
    {
        var reference = TinyGemmaFixture.Reference();
        var (ids, mask, completion) = (reference["input_ids"], reference["attention_mask"], reference["completion_mask"]);
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder, ScalarType.BFloat16);
        model.train();
        var weights = tensor(new[] { 1.0f, -0.5f });

        var expected = Gradients(model, () => (Unchunked(model, model.forward(ids, mask), ids, completion) * weights).sum());
        var actual = Gradients(model, () => (model.CompletionLogProbs(model.forward(ids, mask), ids, completion, 16) * weights).sum());

        Assert.All(actual.Values, g => Assert.Equal(ScalarType.BFloat16, g.dtype));
        AssertClose(
            expected.ToDictionary(e => e.Key, e => e.Value.to_type(ScalarType.Float32)),
            actual.ToDictionary(e => e.Key, e => e.Value.to_type(ScalarType.Float32)),
            0.02);
    }

    [Fact]
    public void Given_many_chunks_When_backward_returns_Then_only_the_last_callbacks_gradients_are_still_held()
    {
        var reference = TinyGemmaFixture.Reference();
        var (ids, mask, completion) = (reference["input_ids"], reference["attention_mask"], reference["completion_mask"]);
        using var model = FixtureModel();

        model.CompletionLogProbs(model.forward(ids, mask), ids, completion, 3).sum().backward(); // 13 chunks, 2 gradients each

        Assert.InRange(model.ReturnedGradients.AliveCount(), 1, 2);
        model.ReturnedGradients.Release();
        Assert.Equal(0, model.ReturnedGradients.AliveCount());
    }

    [Fact]
    public void Given_gradient_checkpointing_When_backpropagating_Then_gradients_equal_those_without_it()
    {
        var reference = TinyGemmaFixture.Reference();
        var (ids, mask, completion) = (reference["input_ids"], reference["attention_mask"], reference["completion_mask"]);
        using var model = FixtureModel();
        Func<Tensor> loss = () => model.CompletionLogProbs(model.forward(ids, mask), ids, completion, 16).sum();

        model.GradientCheckpointing = false;
        var plain = Gradients(model, loss);
        model.GradientCheckpointing = true;
        var checkpointed = Gradients(model, loss);

        AssertClose(plain, checkpointed, 1e-6);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public void Given_checkpointing_When_training_one_step_Then_each_layer_runs_again_in_backward(bool checkpointing, int expectedRuns)
    {
        var reference = TinyGemmaFixture.Reference();
        var (ids, mask, completion) = (reference["input_ids"], reference["attention_mask"], reference["completion_mask"]);
        using var model = FixtureModel();
        model.GradientCheckpointing = checkpointing;
        var layer = (Gemma3DecoderLayer)model.named_modules().First(m => m.name == "model.layers.3").module;
        var runs = 0;
        layer.register_forward_hook(_ => runs++);

        var loss = model.CompletionLogProbs(model.forward(ids, mask), ids, completion, 16).sum();
        var afterForward = runs;
        loss.backward();

        Assert.Equal(1, afterForward);
        Assert.Equal(expectedRuns, runs);
    }

    [Fact]
    public void Given_a_frozen_parameter_When_checkpointing_Then_the_others_still_get_gradients()
    {
        var reference = TinyGemmaFixture.Reference();
        var (ids, mask, completion) = (reference["input_ids"], reference["attention_mask"], reference["completion_mask"]);
        using var model = FixtureModel();
        var frozen = model.named_parameters().First(p => p.name == "model.layers.1.mlp.up_proj.weight").parameter;
        frozen.requires_grad = false;
        model.GradientCheckpointing = true;

        model.CompletionLogProbs(model.forward(ids, mask), ids, completion, 16).sum().backward();

        Assert.Null(frozen.grad);
        var trained = model.named_parameters().First(p => p.name == "model.layers.1.mlp.gate_proj.weight").parameter;
        Assert.True(trained.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Given_a_mask_that_marks_position_zero_When_computing_log_probs_Then_it_is_rejected()
    {
        using var model = FixtureModel();
        var ids = tensor(new long[] { 2, 5, 6 }).view(1, 3);
        using var noGrad = no_grad();
        var hidden = model.forward(ids, null);

        var error = Assert.Throws<ArgumentException>(() => model.CompletionLogProbs(hidden, ids, ones(1, 3, dtype: ScalarType.Int64), 4));

        Assert.Contains("completionMask[:, 0]", error.Message, StringComparison.Ordinal);
    }
}
