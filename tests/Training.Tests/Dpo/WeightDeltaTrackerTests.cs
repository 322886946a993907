using DeltaTui.Training.Dpo;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Dpo;

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
    public void Given_bf16_weights_When_tracked_Then_theta0_is_kept_in_fp32()
    {
        using var parameter = new Parameter(tensor(new[] { 1f, 2f }).to(ScalarType.BFloat16));
        using var tracker = new WeightDeltaTracker([("w", parameter)], tolerance: 1e-5);
        Assert.Equal(ScalarType.Float32, tracker.Theta0("w").dtype);
    }

    [Fact]
    public void Given_a_measurement_When_written_to_the_log_Then_the_line_holds_every_statistic()
    {
        using var parameter = new Parameter(tensor(new[] { 1f }));
        using var tracker = new WeightDeltaTracker([("model.w", parameter)], tolerance: 1e-5);
        var line = WeightDeltaTracker.ToJsonLine(tracker.Measure(3));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal(3, json.RootElement.GetProperty("step").GetInt32());
        var t = json.RootElement.GetProperty("tensors")[0];
        Assert.Equal("model.w", t.GetProperty("name").GetString());
        Assert.Equal(0.0, t.GetProperty("norm").GetDouble());
        Assert.Equal(0.0, t.GetProperty("fraction_updated").GetDouble());
    }
}
