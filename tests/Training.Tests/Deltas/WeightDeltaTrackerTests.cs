using DeltaTui.Training.Sinks;
using DeltaTui.Training.Tests.Dpo;
using DeltaTui.Training.Deltas;
using DeltaTui.Training.Dpo;
using DeltaTui.Training.Masks;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Deltas;

public class WeightDeltaTrackerTests
{
    [Fact]
    public void Given_a_moved_tensor_When_measured_Then_norm_relative_norm_max_and_fraction_match_hand_computed_values()
    {
        // θ0 = [3, 4, 0, 0]; θ = [3, 4.5, 1e-7, −0.2] → Δ = [0, 0.5, 1e-7, −0.2].
        // ‖Δ‖ = √(0.25 + 0.04 + 1e-14) = 0.538516, ‖θ0‖ = 5 → 0.107703; max|Δ| = 0.5; |Δ| > 1e-5 for 2 of 4 entries.
        using var parameter = new Parameter(tensor(new[] { 3f, 4f, 0f, 0f }));
        using var tracker = new WeightDeltaTracker([("w", parameter)], tolerance: 1e-5);
        using (no_grad()) parameter.copy_(tensor(new[] { 3f, 4.5f, 1e-7f, -0.2f }));

        var row = Assert.Single(tracker.Measure(step: 7).Tensors);
        Assert.Equal("w", row.Name);
        Assert.Equal(4, row.Elements);
        Assert.Equal(Math.Sqrt(0.29), row.Norm, 5);
        Assert.Equal(Math.Sqrt(0.29) / 5, row.RelativeNorm, 5);
        Assert.Equal(0.5, row.MaxAbs, 6);
        Assert.Equal(0.5, row.FractionUpdated, 6);
    }

    [Fact]
    public void Given_bf16_weights_When_tracked_Then_theta0_is_kept_in_bf16_and_deltas_are_taken_in_fp32()
    {
        // Each weight moves by one bf16 step (8 significant bits): 1 → 1 + 2⁻⁷, 256 → 258.
        using var parameter = new Parameter(tensor(new[] { 1f, 256f }).to(ScalarType.BFloat16));
        using var tracker = new WeightDeltaTracker([("w", parameter)], tolerance: 1e-5);
        using (no_grad()) parameter.copy_(tensor(new[] { 1.0078125f, 258f }).to(ScalarType.BFloat16));

        var row = Assert.Single(tracker.Measure(step: 1).Tensors);

        Assert.Equal(ScalarType.BFloat16, tracker.Origin.Stored("w").dtype);
        Assert.Equal(2 * 2, tracker.Origin.Bytes);
        Assert.Equal(new[] { 1f, 256f }, tracker.Origin.Stored("w").to(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(Math.Sqrt(0.0078125 * 0.0078125 + 4), row.Norm, 6);
        Assert.Equal(2.0, row.MaxAbs, 9);
        Assert.Equal(Math.Sqrt(0.0078125 * 0.0078125 + 4) / Math.Sqrt(1 + 256.0 * 256), row.RelativeNorm, 6);
        Assert.Equal(1.0, row.FractionUpdated, 9);
    }

    [Fact]
    public void Given_a_shared_theta0_When_the_deltas_and_the_magnitude_score_use_it_Then_both_measure_from_the_one_copy()
    {
        using var parameter = new Parameter(tensor(new[] { 1f, -2f, 3f, 4f }).reshape(2, 2));
        using var theta0 = new Theta0([new NamedTensor("w", parameter)]);
        using var deltas = new WeightDeltaTracker([("w", parameter)], tolerance: 1e-5, theta0);
        using var scores = new ScoreTracker([new NamedTensor("w", parameter)], theta0: theta0);
        using (no_grad()) parameter.add_(tensor(new[] { 0.5f, 0f, 0f, -1f }).reshape(2, 2));

        Assert.Same(theta0, deltas.Origin);
        Assert.Same(theta0, scores.Theta0);
        Assert.Equal(Math.Sqrt(1.25), deltas.Measure(1).Tensors[0].Norm, 6);
        Assert.Equal(new[] { 0.5f, 0f, 0f, 1f }, scores.Scores(ScoreMethod.Magnitude)[0].Tensor.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Given_a_shared_theta0_without_one_of_the_parameters_When_tracking_Then_the_missing_tensor_is_named()
    {
        using var a = new Parameter(ones(2));
        using var b = new Parameter(ones(3));
        using var theta0 = new Theta0([new NamedTensor("a", a)]);

        var error = Assert.Throws<ArgumentException>(() => new WeightDeltaTracker([("a", a), ("b", b)], tolerance: 0, theta0));

        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Given_a_measurement_When_written_to_the_log_Then_the_line_holds_every_statistic()
    {
        using var parameter = new Parameter(tensor(new[] { 1f }));
        using var tracker = new WeightDeltaTracker([("model.w", parameter)], tolerance: 1e-5);
        var line = DeltaLogSink.ToJsonLine(tracker.Measure(3));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal(3, json.RootElement.GetProperty("step").GetInt32());
        var t = json.RootElement.GetProperty("tensors")[0];
        Assert.Equal("model.w", t.GetProperty("name").GetString());
        Assert.Equal(0.0, t.GetProperty("norm").GetDouble());
        Assert.Equal(0.0, t.GetProperty("fraction_updated").GetDouble());
    }
}
