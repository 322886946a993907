using DeltaTui.Training.Optim;
using DeltaTui.Training.Masks;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public sealed class ScoreTrackerTests
{
    private static List<NamedTensor> Parameters() =>
    [
        new("model.embed_tokens.weight", ones(8, 2)),
        new("model.layers.0.mlp.up_proj.weight", tensor(new[] { 1f, -2f, 3f, 0.5f }).reshape(2, 2)),
        new("model.layers.0.input_layernorm.weight", ones(2)),
    ];

    [Fact]
    public void Given_default_participation_When_tracking_Then_only_non_embedding_2D_weights_take_part()
    {
        using var tracker = new ScoreTracker(Parameters());
        Assert.Equal(["model.layers.0.mlp.up_proj.weight"], tracker.Names);

        using var withEmbeddings = new ScoreTracker(Parameters(), new ScoreParticipation(IncludeEmbeddings: true));
        Assert.Equal(["model.embed_tokens.weight", "model.layers.0.mlp.up_proj.weight"], withEmbeddings.Names);
    }

    [Fact]
    public void Given_a_bf16_weight_that_moved_When_scoring_magnitude_Then_it_is_the_absolute_change_from_fp32_theta0()
    {
        var weight = tensor(new[] { 1f, -2f, 3f, 0.5f }).reshape(2, 2);
        using var tracker = new ScoreTracker([new("w", weight)]);

        using (no_grad()) weight.add_(tensor(new[] { 0.25f, 0f, -1f, 0.5f }).reshape(2, 2));
        var scores = tracker.Scores(ScoreMethod.Magnitude);

        Assert.Equal(new[] { 0.25f, 0f, 1f, 0.5f }, scores[0].Tensor.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Given_three_gradients_When_accumulating_Fisher_Then_the_score_is_the_mean_of_their_squares()
    {
        using var tracker = new ScoreTracker([new("w", zeros(1, 2))]);

        tracker.AccumulateGradients(new Dictionary<string, Tensor?> { ["w"] = tensor(new[] { 1f, 2f }).reshape(1, 2) });
        tracker.AccumulateGradients(new Dictionary<string, Tensor?> { ["w"] = null });
        tracker.AccumulateGradients(new Dictionary<string, Tensor?> { ["w"] = tensor(new[] { 3f, -4f }).reshape(1, 2) });

        // (1 + 0 + 9) / 3 and (4 + 0 + 16) / 3
        var fisher = tracker.Scores(ScoreMethod.Fisher)[0].Tensor.flatten().data<float>().ToArray();
        Assert.Equal(10f / 3f, fisher[0], 5);
        Assert.Equal(20f / 3f, fisher[1], 5);
        Assert.Equal(3, tracker.FisherSteps);
    }

    [Fact]
    public void Given_the_native_optimizer_one_pass_When_accumulating_Fisher_Then_the_mean_equals_the_per_tensor_one() =>
        AssertOnePassFisher(CPU);

    [Fact]
    [Trait("gpu", "true")]
    public void Given_the_native_optimizer_one_pass_on_cuda_When_accumulating_Fisher_Then_the_mean_equals_the_per_tensor_one() =>
        AssertOnePassFisher(CUDA);

    private static void AssertOnePassFisher(Device device)
    {
        // Given the same weights tracked twice: once folded per tensor, once through the native plan's one pass
        using var generator = new Generator(5);
        var weights = new[] { new Parameter(randn([70, 45], generator: generator).to(device)), new Parameter(randn([37, 8], generator: generator).to(device)) };
        var named = weights.Select((w, i) => ($"model.layers.0.w{i}.weight", w)).ToList();
        using var optimizer = new NativeAdamWStep(named, new BsrAdamWOptions());
        var counted = new CountedPasses(optimizer.Gradients);
        var passes = counted.Results;
        using var perTensor = new ScoreTracker(named.Select(p => new NamedTensor(p.Item1, p.w)));
        using var onePass = new ScoreTracker(named.Select(p => new NamedTensor(p.Item1, p.w)), onePass: counted);

        // When four gradients are folded into both, the first while one weight has no gradient yet
        for (var step = 0; step < 4; step++)
        {
            foreach (var w in step == 0 ? weights[..1] : weights)
            {
                using (var old = w.grad) old?.zero_();
                using var direction = randn(w.shape, generator: generator).to(device);
                using var loss = (w * direction).sum();
                loss.backward();
            }
            perTensor.AccumulateGradients();
            onePass.AccumulateGradients();
        }

        // Then the plan declined the first step (the tracker folded it per tensor) and did the other three, and the
        // Fisher means agree over the same number of steps to float32 rounding
        Assert.Equal([false, true, true, true], passes);
        Assert.Equal(4, onePass.FisherSteps);
        var expected = perTensor.Scores(ScoreMethod.Fisher);
        var actual = onePass.Scores(ScoreMethod.Fisher);
        for (var i = 0; i < expected.Count; i++)
        {
            var error = (actual[i].Tensor - expected[i].Tensor).abs().max().item<float>() / expected[i].Tensor.abs().max().item<float>();
            Assert.True(error <= 1e-6f, $"{expected[i].Name}: {error}");
        }
    }

    [Fact]
    public void Given_AdamW_moments_When_updating_momentum_Then_the_score_is_the_bias_corrected_ratio()
    {
        using var tracker = new ScoreTracker([new("w", zeros(1, 2))]);

        tracker.UpdateMomentum("w", tensor(new[] { 0.2f, -0.01f }).reshape(1, 2), tensor(new[] { 0.04f, 0f }).reshape(1, 2),
            step: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8);

        // m̂ = 0.2 / 0.1 = 2, v̂ = 0.04 / 0.001 = 40 → 2 / √40; second entry: 0.1 / (0 + 1e-8).
        var momentum = tracker.Scores(ScoreMethod.Momentum)[0].Tensor.flatten().data<float>().ToArray();
        Assert.Equal(2 / Math.Sqrt(40), momentum[0], 5);
        Assert.Equal(0.1 / 1e-8, momentum[1], 0.1 / 1e-8 * 1e-5);
    }

    [Fact]
    public void Given_exported_state_When_imported_into_a_fresh_tracker_Then_further_updates_match_an_uninterrupted_one()
    {
        var weightA = tensor(new[] { 1f, 2f }).reshape(1, 2);
        var weightB = tensor(new[] { 1f, 2f }).reshape(1, 2);
        using var uninterrupted = new ScoreTracker([new("w", weightA)]);
        var g1 = new Dictionary<string, Tensor?> { ["w"] = tensor(new[] { 1f, 1f }).reshape(1, 2) };
        var g2 = new Dictionary<string, Tensor?> { ["w"] = tensor(new[] { 2f, 0f }).reshape(1, 2) };
        uninterrupted.AccumulateGradients(g1);
        var state = uninterrupted.ExportState();
        using var theta0File = new MemoryStream();
        uninterrupted.Theta0.Save(theta0File);
        uninterrupted.AccumulateGradients(g2);

        // A resumed run rebuilds the model, then restores θ0 from theta0.bin and the accumulators from the checkpoint.
        using (no_grad()) weightB.add_(5f);
        using var theta0 = new Theta0([new("w", weightB)]);
        theta0File.Position = 0;
        theta0.Load(theta0File, "theta0.bin");
        using var resumed = new ScoreTracker([new("w", weightB)], theta0: theta0);
        resumed.ImportState(state);
        resumed.AccumulateGradients(g2);
        using (no_grad()) weightA.add_(5f);

        Assert.Equal(uninterrupted.Scores(ScoreMethod.Fisher)[0].Tensor.data<float>().ToArray(), resumed.Scores(ScoreMethod.Fisher)[0].Tensor.data<float>().ToArray());
        Assert.Equal(new[] { 5f, 5f }, resumed.Scores(ScoreMethod.Magnitude)[0].Tensor.flatten().data<float>().ToArray());
        Assert.Equal(2, resumed.FisherSteps);
    }

    [Fact]
    public void Given_a_tracker_When_its_state_is_exported_Then_theta0_is_not_in_it_and_momentum_only_once_given()
    {
        using var tracker = new ScoreTracker([new("w", ones(1, 2))]);
        using var untouched = new ScoreTracker([new("v", ones(1, 2))]);

        var before = tracker.ExportState();
        tracker.UpdateMomentum("w", ones(1, 2), ones(1, 2), step: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        var after = tracker.ExportState();

        Assert.Equal(["fisher.w", "fisher_steps"], before.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["fisher.w", "fisher_steps", "momentum.w"], after.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { 0f, 0f }, untouched.Scores(ScoreMethod.Momentum)[0].Tensor.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Given_score_state_of_an_older_run_with_theta0_entries_When_imported_Then_it_loads_and_magnitude_still_measures_from_the_run_theta0()
    {
        var weight = tensor(new[] { 1f, 2f }).reshape(1, 2);
        using var tracker = new ScoreTracker([new("w", weight)]);
        var legacy = new Dictionary<string, Tensor>
        {
            ["fisher_steps"] = tensor(3L),
            ["theta0.w"] = tensor(new[] { 100f, 100f }).reshape(1, 2),
            ["fisher.w"] = tensor(new[] { 0.5f, 0.25f }).reshape(1, 2),
            ["momentum.w"] = tensor(new[] { 2f, 4f }).reshape(1, 2),
        };

        tracker.ImportState(legacy);
        using (no_grad()) weight.add_(1f);

        Assert.Equal(3, tracker.FisherSteps);
        Assert.Equal(new[] { 0.5f, 0.25f }, tracker.Scores(ScoreMethod.Fisher)[0].Tensor.flatten().data<float>().ToArray());
        Assert.Equal(new[] { 2f, 4f }, tracker.Scores(ScoreMethod.Momentum)[0].Tensor.flatten().data<float>().ToArray());
        Assert.Equal(new[] { 1f, 1f }, tracker.Scores(ScoreMethod.Magnitude)[0].Tensor.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Given_a_bf16_weight_and_a_shared_theta0_When_scoring_magnitude_Then_the_change_is_taken_in_fp32()
    {
        // 256 → 258 is one bf16 step; 1 → 1 + 2⁻⁷ another.
        var weight = tensor(new[] { 1f, 256f }).reshape(1, 2).to(ScalarType.BFloat16);
        using var theta0 = new Theta0([new("w", weight)]);
        using var tracker = new ScoreTracker([new("w", weight)], theta0: theta0);
        using (no_grad()) weight.copy_(tensor(new[] { 1.0078125f, 258f }).reshape(1, 2));

        var magnitude = tracker.Scores(ScoreMethod.Magnitude)[0].Tensor;

        Assert.Equal(ScalarType.Float32, magnitude.dtype);
        Assert.Equal(new[] { 0.0078125f, 2f }, magnitude.flatten().data<float>().ToArray());
        Assert.Equal(ScalarType.BFloat16, theta0.Stored("w").dtype);
    }

    [Fact]
    public void Given_state_for_another_shape_When_importing_Then_the_key_is_named_and_nothing_changes()
    {
        using var tracker = new ScoreTracker([new("w", zeros(1, 2))]);
        var state = new Dictionary<string, Tensor>
        {
            ["fisher_steps"] = tensor(4L),
            ["theta0.w"] = zeros(2, 2),
            ["fisher.w"] = zeros(1, 2),
            ["momentum.w"] = zeros(1, 2),
        };

        var error = Assert.Throws<InvalidDataException>(() => tracker.ImportState(state));

        Assert.Contains("'theta0.w' is [2, 2]", error.Message);
        Assert.Equal(0, tracker.FisherSteps);
    }

    /// <summary>The optimizer's passes, recording whether each squares pass was done.</summary>
    private sealed class CountedPasses(IGradientPasses inner) : IGradientPasses
    {
        public List<bool> Results { get; } = [];

        public bool TryZeroGradients() => inner.TryZeroGradients();

        public bool TryAccumulateGradientSquares(IReadOnlyList<(string Name, Tensor Accumulator)> accumulators, double keep, double weight)
        {
            var done = inner.TryAccumulateGradientSquares(accumulators, keep, weight);
            Results.Add(done);
            return done;
        }

        public Tensor? GlobalGradNorm() => inner.GlobalGradNorm();
    }
}
