using DeltaTui.Training.Data;
using Xunit;
using static DeltaTui.Training.Tests.Data.PairFactory;

namespace DeltaTui.Training.Tests.Data;

public class TrainEvalSplitTests
{
    [Fact]
    public void Given_a_fraction_When_splitting_Then_round_of_fraction_times_count_is_held_out_disjointly_in_dataset_order()
    {
        var pairs = Numbered(40);

        var split = TrainEvalSplit.ByFraction(pairs, 0.15, seed: 3);

        Assert.Equal(6, split.Eval.Count);
        Assert.Equal(34, split.Train.Count);
        Assert.Equal(Enumerable.Range(0, 40), split.Train.Concat(split.Eval).Select(p => p.Index).Order());
        Assert.Equal(split.Eval.Select(p => p.Index).Order(), split.Eval.Select(p => p.Index));
    }

    [Fact]
    public void Given_the_same_seed_When_splitting_twice_Then_the_same_pairs_are_held_out_and_another_seed_changes_them()
    {
        var pairs = Numbered(40);

        var first = TrainEvalSplit.ByFraction(pairs, 0.2, seed: 3).Eval.Select(p => p.Index);
        var again = TrainEvalSplit.ByFraction(pairs, 0.2, seed: 3).Eval.Select(p => p.Index);
        var other = TrainEvalSplit.ByFraction(pairs, 0.2, seed: 4).Eval.Select(p => p.Index);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData(0.01, 1)]
    [InlineData(0.99, 3)]
    public void Given_a_tiny_or_huge_fraction_When_splitting_Then_both_sides_keep_at_least_one_pair(double fraction, int held)
    {
        Assert.Equal(held, TrainEvalSplit.ByFraction(Numbered(4), fraction, seed: 1).Eval.Count);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Given_a_fraction_outside_zero_to_one_When_splitting_Then_it_is_refused(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainEvalSplit.ByFraction(Numbered(4), fraction, seed: 1));
    }
}
