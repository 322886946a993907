using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Dpo;

/// <summary>
/// Two pairs with hand-picked log-probs. Pair 0: Δ = (−10+11) − (−12+11) = 2. Pair 1: Δ = (−8+7.5) − (−5+6) = −1.5.
/// Expected values are written out from the formulas (−logσ(x) = log(1+e^−x)).
/// </summary>
public class DpoLossTests
{
    private static DpoLogProbs TwoPairs() => new(
        PolicyChosen: tensor(new[] { -10f, -8f }), PolicyRejected: tensor(new[] { -12f, -5f }),
        ReferenceChosen: tensor(new[] { -11f, -7.5f }), ReferenceRejected: tensor(new[] { -11f, -6f }),
        ChosenTokenCounts: tensor(new[] { 4f, 2f }), RejectedTokenCounts: tensor(new[] { 2f, 5f }));

    private static double[] Losses(DpoLossOptions options)
    {
        using var result = DpoLoss.Compute(options, TwoPairs());
        return result.Losses.data<float>().Select(v => (double)v).ToArray();
    }

    private static double SoftPlus(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void Given_sigmoid_loss_When_computed_Then_it_is_minus_log_sigmoid_of_beta_delta()
    {
        var losses = Losses(new DpoLossOptions(DpoLossType.Sigmoid, Beta: 0.1));
        Assert.Equal(SoftPlus(-0.2), losses[0], 5);
        Assert.Equal(SoftPlus(0.15), losses[1], 5);
        Assert.Equal(0.598139, losses[0], 5);
        Assert.Equal(0.770957, losses[1], 5);
    }

    [Fact]
    public void Given_sigmoid_loss_with_label_smoothing_When_computed_Then_flipped_label_term_is_mixed_in()
    {
        var losses = Losses(new DpoLossOptions(DpoLossType.Sigmoid, Beta: 0.1, LabelSmoothing: 0.1));
        Assert.Equal(0.9 * SoftPlus(-0.2) + 0.1 * SoftPlus(0.2), losses[0], 5);
        Assert.Equal(0.618139, losses[0], 5);
        Assert.Equal(0.755957, losses[1], 5);
    }

    [Fact]
    public void Given_robust_loss_When_computed_Then_it_is_the_unbiased_estimator()
    {
        var losses = Losses(new DpoLossOptions(DpoLossType.Robust, Beta: 0.1, LabelSmoothing: 0.1));
        Assert.Equal((0.9 * SoftPlus(-0.2) - 0.1 * SoftPlus(0.2)) / 0.8, losses[0], 5);
        Assert.Equal(0.573139, losses[0], 5);
        Assert.Equal(0.789707, losses[1], 5);
    }

    [Fact]
    public void Given_hinge_loss_When_margin_exceeds_one_over_beta_Then_loss_is_zero()
    {
        var small = Losses(new DpoLossOptions(DpoLossType.Hinge, Beta: 0.1));
        Assert.Equal(0.8, small[0], 5);
        Assert.Equal(1.15, small[1], 5);
        var large = Losses(new DpoLossOptions(DpoLossType.Hinge, Beta: 1.0));
        Assert.Equal(0.0, large[0], 6);
        Assert.Equal(2.5, large[1], 5);
    }

    [Fact]
    public void Given_ipo_loss_When_computed_Then_it_uses_length_averaged_log_probs()
    {
        // Pair 0: chosen (−10/4) − (−11/4) = 0.25, rejected (−12/2) − (−11/2) = −0.5, Δ = 0.75 → (0.75 − 5)² = 18.0625.
        // Pair 1: chosen (−8/2) − (−7.5/2) = −0.25, rejected (−5/5) − (−6/5) = 0.2, Δ = −0.45 → (−5.45)² = 29.7025.
        var losses = Losses(new DpoLossOptions(DpoLossType.Ipo, Beta: 0.1));
        Assert.Equal(18.0625, losses[0], 3);
        Assert.Equal(29.7025, losses[1], 3);
    }

    [Fact]
    public void Given_policy_equal_to_reference_When_sigmoid_loss_is_computed_Then_it_is_ln2()
    {
        var same = tensor(new[] { -3f, -7f, -1f });
        var other = tensor(new[] { -4f, -2f, -9f });
        var counts = tensor(new[] { 3f, 3f, 3f });
        using var result = DpoLoss.Compute(new DpoLossOptions(), new DpoLogProbs(same, other, same, other, counts, counts));
        foreach (var v in result.Losses.data<float>()) Assert.Equal(Math.Log(2), v, 6);
        Assert.All(result.ChosenRewards.data<float>(), r => Assert.Equal(0f, r));
    }

    [Fact]
    public void Given_two_pairs_When_metrics_are_computed_Then_they_match_hand_computed_means()
    {
        var logProbs = TwoPairs();
        using var result = DpoLoss.Compute(new DpoLossOptions(DpoLossType.Sigmoid, Beta: 0.1), logProbs);
        using var sums = DpoBatchStatistics.Sums(result, logProbs);
        var metrics = DpoBatchStatistics.ToMetrics(sums.data<float>().ToArray(), pairs: 2);

        Assert.Equal((SoftPlus(-0.2) + SoftPlus(0.15)) / 2, metrics["loss"], 5);
        Assert.Equal((0.1 + -0.05) / 2, metrics["rewards/chosen"], 5);   // β·(−10+11), β·(−8+7.5)
        Assert.Equal((-0.1 + 0.1) / 2, metrics["rewards/rejected"], 5);  // β·(−12+11), β·(−5+6)
        Assert.Equal((0.2 + -0.15) / 2, metrics["rewards/margins"], 5);
        Assert.Equal(0.5, metrics["rewards/accuracies"], 6);
        Assert.Equal(-9.0, metrics["logps/chosen"], 5);
        Assert.Equal(-8.5, metrics["logps/rejected"], 5);
    }

    [Fact]
    public void Given_gradients_When_sigmoid_loss_backpropagates_Then_chosen_gets_minus_beta_sigmoid_of_minus_beta_delta()
    {
        // d/dπc [−logσ(βΔ)] = −β·σ(−βΔ): for Δ = 2, β = 0.1 that is −0.1·σ(−0.2) = −0.0450166.
        var policyChosen = tensor(new[] { -10f }).requires_grad_();
        var logProbs = new DpoLogProbs(policyChosen, tensor(new[] { -12f }), tensor(new[] { -11f }), tensor(new[] { -11f }),
            tensor(new[] { 1f }), tensor(new[] { 1f }));
        using var result = DpoLoss.Compute(new DpoLossOptions(), logProbs);
        result.Losses.sum().backward();
        Assert.Equal(-0.1 / (1 + Math.Exp(0.2)), policyChosen.grad!.item<float>(), 6);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(-1.0, 0.0)]
    [InlineData(0.1, 0.5)]
    [InlineData(0.1, -0.1)]
    public void Given_invalid_options_When_validated_Then_a_clear_error_names_the_key(double beta, double smoothing)
    {
        var error = Assert.Throws<ArgumentException>(() => new DpoLossOptions(DpoLossType.Sigmoid, beta, smoothing).Validate());
        Assert.Contains(beta <= 0 ? "dpo.beta" : "dpo.label_smoothing", error.Message);
    }
}
