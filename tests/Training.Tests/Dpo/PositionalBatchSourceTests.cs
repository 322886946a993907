using DeltaTui.Training.Dpo;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Dpo;

public class PositionalBatchSourceTests
{
    private static PositionalBatchSource Source(IReadOnlyList<TokenizedPair> train) =>
        new(train, [], batchSize: 2, gradAccumulation: 1, seed: 3, padId: 0, CPU, "fp");

    [Fact]
    public void Given_a_pair_When_collated_Then_chosen_then_rejected_rows_are_right_padded_and_only_completions_are_scored()
    {
        var pairs = new List<TokenizedPair> { new([5, 6], [7], [8, 9]), new([4], [3, 2], [1]) };
        using var batch = Source(pairs).Collate(pairs, [0, 1]);

        Assert.Equal(new long[] { 4, 4 }, batch.InputIds.shape);
        Assert.Equal(new long[] { 5, 6, 7, 0, 4, 3, 2, 0, 5, 6, 8, 9, 4, 1, 0, 0 }, batch.InputIds.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0 }, batch.AttentionMask.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0 }, batch.CompletionMask.data<long>().ToArray());
        Assert.Equal(3 + 3 + 4 + 2, batch.TokenCount);
    }

    [Fact]
    public void Given_a_step_When_asked_twice_from_different_instances_Then_the_same_pairs_come_back_and_each_epoch_covers_all_pairs()
    {
        var pairs = Enumerable.Range(0, 10).Select(i => new TokenizedPair([i + 1], [1], [2])).ToList();
        var first = Source(pairs);
        var second = Source(pairs);
        var epoch = new List<int>();
        for (var step = 0; step < 5; step++)
        {
            using var a = first.TrainBatch(step, 0);
            using var b = second.TrainBatch(step, 0);
            Assert.Equal(a.PairIds, b.PairIds);
            epoch.AddRange(a.PairIds);
        }
        Assert.Equal(Enumerable.Range(0, 10), epoch.Order());
        using var nextEpoch = first.TrainBatch(5, 0);
        using var laterFresh = Source(pairs).TrainBatch(5, 0);
        Assert.Equal(laterFresh.PairIds, nextEpoch.PairIds);
    }

    [Fact]
    public void Given_a_pair_with_an_empty_prompt_When_the_source_is_built_Then_it_is_rejected_naming_the_pair()
    {
        var pairs = new List<TokenizedPair> { new([5], [7], [8]), new([], [3], [1]) };

        var error = Assert.Throws<ArgumentException>(() => Source(pairs));

        Assert.Contains("training pair 1 has an empty prompt", error.Message);
    }
}
