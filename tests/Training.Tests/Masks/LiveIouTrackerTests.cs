using DeltaTui.Core.Events;
using DeltaTui.Training.Masks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public sealed class LiveIouTrackerTests
{
    private static MaskSet Masks(params bool[] values)
    {
        var set = new MaskSet();
        set.Add("w", tensor(values).reshape(2, values.Length / 2));
        return set;
    }

    [Fact]
    public void Given_a_first_interval_When_updating_Then_only_the_cross_method_metrics_with_chance_appear()
    {
        using var tracker = new LiveIouTracker();
        using var magnitude = Masks(true, true, false, false);
        using var momentum = Masks(true, false, true, false);
        using var fisher = Masks(true, true, false, false);

        var result = tracker.Update(10, magnitude, momentum, fisher, detailed: false);

        Assert.Null(result.Failure);
        var metrics = result.Snapshot!.Metrics;
        Assert.Equal(["iou/momentum_vs_magnitude", "iou/momentum_vs_magnitude/chance", "iou/fisher_vs_magnitude", "iou/fisher_vs_magnitude/chance"], metrics.Keys);
        Assert.Equal(1.0 / 3.0, metrics["iou/momentum_vs_magnitude"], 12);
        Assert.Equal(1.0, metrics["iou/fisher_vs_magnitude"]);
        Assert.Equal(0.25 / 0.75, metrics["iou/fisher_vs_magnitude/chance"], 12);
        Assert.Empty(result.Snapshot.PerTensor);
    }

    [Fact]
    public void Given_a_second_interval_in_debug_mode_When_updating_Then_stability_metrics_and_per_tensor_rows_appear()
    {
        using var tracker = new LiveIouTracker();
        using (var m = Masks(true, true, false, false))
        using (var p = Masks(true, false, true, false))
        using (var f = Masks(false, false, true, true))
        {
            tracker.Update(10, m, p, f, detailed: false);
        }
        using var magnitude = Masks(true, true, false, false);
        using var momentum = Masks(false, true, true, false);
        using var fisher = Masks(false, false, true, true);

        var result = tracker.Update(20, magnitude, momentum, fisher, detailed: true);

        var metrics = result.Snapshot!.Metrics;
        Assert.Equal(1.0, metrics["iou/magnitude_vs_prev"]);
        Assert.Equal(1.0 / 3.0, metrics["iou/momentum_vs_prev"], 12);
        Assert.Equal(1.0, metrics["iou/fisher_vs_prev"]);
        Assert.True(metrics.ContainsKey("iou/fisher_vs_prev/chance"));
        var rows = result.Snapshot.PerTensor;
        Assert.Equal(10, rows.Count);
        var row = Assert.Single(rows, r => r.Comparison == "momentum_vs_prev" && r.Tensor == "w");
        Assert.Equal((2L, 2L, 1L, 3L), (row.SizeA, row.SizeB, row.Intersection, row.Union));
    }

    [Fact]
    public void Given_the_same_intervals_When_tracked_with_packed_bits_and_with_tensor_ops_Then_the_snapshots_agree()
    {
        using var packed = new LiveIouTracker();
        using var tensorOps = new LiveIouTracker(tensorOpsOnCpu: true);
        var generator = new Generator(3);
        IouSnapshot? fromBits = null, fromTensors = null;
        for (var step = 1; step <= 3; step++)
        {
            var sets = Enumerable.Range(0, 3).Select(_ =>
            {
                var set = new MaskSet();
                set.Add("a", rand([40, 30], generator: generator).lt(0.3));
                set.Add("b", rand([40, 30], generator: generator).lt(0.1));
                set.Add("c", rand([7, 300], generator: generator).lt(0.5));
                return set;
            }).ToList();
            fromBits = packed.Update(step, sets[0], sets[1], sets[2], detailed: true).Snapshot;
            fromTensors = tensorOps.Update(step, sets[0], sets[1], sets[2], detailed: true).Snapshot;
            foreach (var set in sets) set.Dispose();
        }

        Assert.Equal(5 * 2, fromBits!.Metrics.Count);
        Assert.Equal(fromBits.Metrics, fromTensors!.Metrics);
        Assert.Equal(fromBits.PerTensor, fromTensors.PerTensor);
    }

    [Fact]
    public void Given_masks_that_no_longer_match_the_previous_interval_When_updating_Then_an_IouFailed_comes_back_instead_of_an_exception()
    {
        using var tracker = new LiveIouTracker();
        using (var m = Masks(true, true, false, false))
        {
            tracker.Update(10, m, m, m, detailed: false);
        }
        using var changed = new MaskSet();
        changed.Add("other", ones(3, ScalarType.Bool));

        var result = tracker.Update(20, changed, changed, changed, detailed: true);

        Assert.Null(result.Snapshot);
        Assert.Equal(20, result.Failure!.Step);
        Assert.Contains("only in", result.Failure.Message);
    }
}
