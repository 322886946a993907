using DeltaTui.Core.Events;
using DeltaTui.Training.Config;
using DeltaTui.Training.Masks;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public class ActiveSetStatisticsTests
{
    [Fact]
    public void Given_fisher_scores_and_an_active_set_When_coverage_is_computed_Then_it_is_the_share_of_the_mass_inside()
    {
        // Given two weights: mass 1+2+3+4 = 10 with 2+4 = 6 active, and 5+5 = 10 with 5 active
        using var f1 = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var a1 = tensor(new[] { false, true, false, true }).reshape(2, 2);
        using var f2 = tensor(new float[] { 5, 5 });
        using var a2 = tensor(new[] { true, false });

        // Then (6 + 5) / (10 + 10)
        Assert.Equal(11.0 / 20, ActiveSetStatistics.Coverage([(f1, a1), (f2, a2)]), 12);
        Assert.Equal(0.6, ActiveSetStatistics.Coverage([(f1, a1)]), 12);
        using var zero = zeros(2);
        Assert.True(double.IsNaN(ActiveSetStatistics.Coverage([(zero, a2)])));
    }

    [Fact]
    public void Given_two_selections_of_blocks_When_churn_is_computed_Then_iou_and_blocks_in_and_out_are_as_counted_by_hand()
    {
        // previous {0, 1, 2, 3}, next {2, 3, 4}: kept 2, in 1 (4), out 2 (0, 1), IoU 2/5
        var churn = ActiveSetChurn.Between([0L, 1, 2, 3], [2L, 3, 4]);
        Assert.Equal(2, churn.Kept);
        Assert.Equal(1, churn.In);
        Assert.Equal(2, churn.Out);
        Assert.Equal(0.4, churn.Iou, 12);

        // Summed over weights: second weight {7} -> {7}; kept 3, union 6
        var total = churn + ActiveSetChurn.Between([7L], [7L]);
        Assert.Equal(0.5, total.Iou, 12);
        Assert.Equal(1.0, ActiveSetChurn.Between([], []).Iou);
    }

    [Theory]
    [InlineData(0.1, 0.1, true, 0.01)]
    [InlineData(0.2, 0.1, true, 0.02)]
    [InlineData(0.05, 0.1, false, 0.005)]
    [InlineData(0.1, 1.0, false, 0.1)]
    public void Given_mask_and_active_densities_When_compared_Then_masks_at_or_above_the_active_density_are_flagged_and_kept_inside_it(
        double keep, double active, bool flagged, double confinedKeep)
    {
        Assert.Equal(flagged, ActiveSetStatistics.MaskAtOrAboveActiveDensity(keep, active));
        Assert.Equal(confinedKeep, ActiveSetStatistics.ConfinedKeep(keep, active), 12);
    }

    [Fact]
    public void Given_a_sparse_run_whose_masks_keep_as_much_as_the_active_set_When_prepared_Then_it_says_so_once_and_builds_masks_inside_it()
    {
        // Given one 4x4 weight whose first 2x2 block (4 of 16 elements, density 0.25) is active, masks at sparsity 0.5
        using var active = zeros(4, 4, ScalarType.Bool);
        active[TensorIndex.Slice(0, 2), TensorIndex.Slice(0, 2)] = tensor(true);
        var notes = new List<string>();
        using var sparse = new SparseRunIou(() => new Dictionary<string, Tensor> { ["w"] = active.clone() }, note: notes.Add);
        var options = new MaskOptions { Sparsity = 0.5, Scope = MaskScope.Global, Granularity = MaskGranularity.Element };

        // When prepared twice
        var (frame, confined) = sparse.Prepare([("w", 16)], options);
        using (frame) { }
        var (again, _) = sparse.Prepare([("w", 16)], options);
        using (again) { }

        // Then the live masks keep half of the active elements (2 of 16), and the note came once
        Assert.Equal(0.25, frame.Density, 12);
        Assert.True(frame.Confined);
        Assert.Equal(1 - 0.5 * 0.25, confined.Sparsity, 12);
        Assert.Single(notes);
        Assert.Contains("active set itself", notes[0]);

        // And the snapshot carries the confined flag, the in-active-set chance and the Fisher coverage
        using var magnitude = new MaskSet();
        magnitude.Add("w", zeros(4, 4, ScalarType.Bool).index_put_(tensor(true), tensor(new long[] { 0, 1 }), tensor(new long[] { 0, 1 })));
        using var momentum = new MaskSet();
        momentum.Add("w", zeros(4, 4, ScalarType.Bool).index_put_(tensor(true), tensor(new long[] { 0, 0 }), tensor(new long[] { 0, 1 })));
        using var fisher = new MaskSet();
        fisher.Add("w", zeros(4, 4, ScalarType.Bool));
        var (frame3, used) = sparse.Prepare([("w", 16)], options);
        using (frame3)
        {
            var metrics = sparse.Augment(new Dictionary<string, double>(), frame3, used,
                new Dictionary<ScoreMethod, MaskSet> { [ScoreMethod.Magnitude] = magnitude, [ScoreMethod.Momentum] = momentum, [ScoreMethod.Fisher] = fisher },
                _ => ones(4, 4));
            Assert.Equal(1, metrics[DpoMetricNames.IouConfined]);
            // two of four active elements each: 0.5·0.5 / (0.5 + 0.5 − 0.25)
            Assert.Equal(0.25 / 0.75, metrics[DpoMetricNames.IouMomentumVsMagnitude + DpoMetricNames.ChanceSuffix], 12);
            // uniform Fisher: 4 of 16
            Assert.Equal(0.25, metrics[DpoMetricNames.ActiveFisherCoverage], 12);
        }
    }

    [Fact]
    public void Given_an_element_mask_When_pooled_to_blocks_Then_the_blocks_holding_most_of_it_are_active_and_untouched_blocks_never()
    {
        // Given a 4x4 weight in 2x2 blocks: block (0,0) holds 3 kept elements, block (1,1) one, the others none
        using var set = new MaskSet();
        var m = zeros(4, 4, ScalarType.Bool);
        m[0, 0] = tensor(true); m[0, 1] = tensor(true); m[1, 0] = tensor(true); m[3, 3] = tensor(true);
        set.Add("w", m);

        var half = ActiveFromMask.PoolToBlocks(set, [("w", [4L, 4]), ("frozen", [4L, 4])], 2, 0.25);
        var all = ActiveFromMask.PoolToBlocks(set, [("w", [4L, 4])], 2, 1.0);

        Assert.Equal(new[] { true, false, false, false }, half["w"].flatten().data<bool>().ToArray());
        Assert.Equal(new[] { false, false, false, false }, half["frozen"].flatten().data<bool>().ToArray());
        Assert.Equal(new[] { true, false, false, true }, all["w"].flatten().data<bool>().ToArray());
    }
}
