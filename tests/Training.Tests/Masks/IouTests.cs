using DeltaTui.Training.Masks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public sealed class IouTests
{
    private static MaskSet Set(params (string Name, bool[] Values)[] masks)
    {
        var set = new MaskSet();
        foreach (var (name, values) in masks) set.Add(name, tensor(values));
        return set;
    }

    private static IouComparison Both(MaskSet a, MaskSet b)
    {
        var viaTensors = MaskIou.CompareOnDevice(a, b);
        var viaBits = MaskIou.Compare(PackedMaskSet.From(a), PackedMaskSet.From(b));
        Assert.Equal(viaTensors.PerTensor, viaBits.PerTensor);
        return viaTensors;
    }

    [Fact]
    public void Given_identical_masks_When_compared_Then_IoU_is_one()
    {
        using var a = Set(("w", [true, false, true, true]));
        using var b = Set(("w", [true, false, true, true]));

        var c = Both(a, b).Aggregate;

        Assert.Equal(1.0, c.Iou);
        Assert.Equal(1.0, c.OverlapOfA);
    }

    [Fact]
    public void Given_disjoint_masks_When_compared_Then_IoU_is_zero()
    {
        using var a = Set(("w", [true, true, false, false]));
        using var b = Set(("w", [false, false, true, true]));

        Assert.Equal(0.0, Both(a, b).Aggregate.Iou);
    }

    [Fact]
    public void Given_two_empty_masks_When_compared_Then_IoU_is_one_and_nothing_divides_by_zero()
    {
        using var a = Set(("w", [false, false, false]));
        using var b = Set(("w", [false, false, false]));

        var c = Both(a, b).Aggregate;

        Assert.Equal((1.0, 1.0, 1.0, 1.0), (c.Iou, c.OverlapOfA, c.OverlapOfB, c.Chance));
    }

    [Fact]
    public void Given_one_empty_mask_When_compared_Then_IoU_is_zero_and_the_empty_side_is_contained()
    {
        using var a = Set(("w", [false, false, false, false]));
        using var b = Set(("w", [true, false, true, false]));

        var c = Both(a, b).Aggregate;

        Assert.Equal(0.0, c.Iou);
        Assert.Equal(1.0, c.OverlapOfA);
        Assert.Equal(0.0, c.OverlapOfB);
        Assert.Equal(0.0, c.Chance);
    }

    [Fact]
    public void Given_two_tensors_When_compared_Then_aggregate_sums_and_mean_min_max_span_the_tensors()
    {
        // x: A={0,1,2}, B={1,2,3} → 2/4; y: A={0}, B={0} → 1.
        using var a = Set(("x", [true, true, true, false]), ("y", [true, false]));
        using var b = Set(("x", [false, true, true, true]), ("y", [true, false]));

        var result = Both(a, b);

        Assert.Equal(new IouCounts(6, 4, 4, 3), result.Aggregate);
        Assert.Equal(3.0 / 5.0, result.Aggregate.Iou);
        Assert.Equal(0.75, result.MeanIou);
        Assert.Equal(0.5, result.MinIou);
        Assert.Equal(1.0, result.MaxIou);
        Assert.Equal(3.0 / 4.0, result.Aggregate.OverlapOfA);
        var rows = result.ToRows("a_vs_b").ToList();
        Assert.Equal(["x", "y", "*"], rows.Select(r => r.Tensor));
        Assert.Equal(5, rows[2].Union);
    }

    [Fact]
    public void Given_independent_random_masks_When_compared_Then_IoU_is_near_the_chance_value()
    {
        var generator = new Generator(7);
        using var a = new MaskSet();
        using var b = new MaskSet();
        // 1M + 123 positions: the tail exercises the partial last 64-bit word.
        a.Add("w", rand([1_000_123], generator: generator).lt(0.1));
        b.Add("w", rand([1_000_123], generator: generator).lt(0.3));

        var c = Both(a, b).Aggregate;

        Assert.Equal(0.1 * 0.3 / (0.1 + 0.3 - 0.03), IouCounts.ChanceIou(0.1, 0.3), 12);
        Assert.InRange(c.Iou, c.Chance - 0.003, c.Chance + 0.003);
        Assert.InRange(c.Chance, 0.081 - 0.002, 0.081 + 0.002);
    }

    [Fact]
    public void Given_three_sets_with_repeated_shapes_When_compared_in_one_device_pass_Then_every_pair_matches_the_packed_count()
    {
        var generator = new Generator(11);
        var sets = Enumerable.Range(0, 3).Select(_ =>
        {
            var set = new MaskSet();
            for (var layer = 0; layer < 3; layer++) set.Add($"layers.{layer}.q", rand([70, 33], generator: generator).lt(0.2));
            set.Add("embed", rand([101, 7], generator: generator).lt(0.5));
            set.Add("norm", rand([5], generator: generator).lt(0.5));
            return set;
        }).ToList();

        var together = MaskIou.CompareManyOnDevice(sets, [(1, 0), (2, 0), (2, 1)]);

        var packed = sets.Select(PackedMaskSet.From).ToList();
        Assert.Equal(MaskIou.Compare(packed[1], packed[0]).PerTensor, together[0].PerTensor);
        Assert.Equal(MaskIou.Compare(packed[2], packed[0]).PerTensor, together[1].PerTensor);
        Assert.Equal(MaskIou.Compare(packed[2], packed[1]).PerTensor, together[2].PerTensor);
        foreach (var set in sets) set.Dispose();
    }

    [Fact]
    public void Given_masks_with_different_tensors_or_shapes_When_compared_Then_the_mismatch_is_named()
    {
        using var a = Set(("x", [true, false]), ("y", [true]));
        using var b = new MaskSet();
        b.Add("x", tensor(new[] { true, false }).reshape(2, 1));
        b.Add("z", tensor(new[] { true }));

        var error = Assert.Throws<MaskMismatchException>(() => MaskIou.Compare(a, b));

        Assert.Contains("only in A: y", error.Message);
        Assert.Contains("only in B: z", error.Message);
        Assert.Contains("'x' is [2] in A but [2, 1] in B", error.Message);
    }
}
