using DeltaTui.Training.Data;
using Xunit;
using static DeltaTui.Training.Tests.Data.PairFactory;

namespace DeltaTui.Training.Tests.Data;

public class PreferenceBatcherTests
{
    private static readonly IReadOnlyList<PreferencePair> Ten = Numbered(10);

    [Fact]
    public void Given_the_same_seed_When_two_batchers_draw_Then_they_give_the_same_batches()
    {
        var a = new PreferenceBatcher(Ten, batchSize: 3, seed: 11);
        var b = new PreferenceBatcher(Ten, batchSize: 3, seed: 11);

        for (var i = 0; i < 9; i++) Assert.Equal(PromptTokens(a.Next()), PromptTokens(b.Next()));
    }

    [Fact]
    public void Given_seed_42_When_drawing_the_first_epoch_Then_its_order_is_the_reference_shuffle_of_stream_zero()
    {
        var expected = Enumerable.Range(0, 10).ToArray();
        SeededRandom.ForStream(42, 0).Shuffle(expected.AsSpan());

        var batcher = new PreferenceBatcher(Ten, batchSize: 10, seed: 42);

        Assert.Equal(expected.Select(i => 100 + i), PromptTokens(batcher.Next()));
        Assert.NotEqual(Enumerable.Range(100, 10), expected.Select(i => 100 + i));
    }

    [Fact]
    public void Given_different_seeds_or_epochs_When_ordering_Then_orders_differ()
    {
        var a = new PreferenceBatcher(Ten, 10, seed: 1);
        var b = new PreferenceBatcher(Ten, 10, seed: 2);

        Assert.NotEqual(a.EpochOrder(0), b.EpochOrder(0));
        Assert.NotEqual(a.EpochOrder(0), a.EpochOrder(1));
    }

    [Fact]
    public void Given_batches_of_three_from_ten_When_an_epoch_is_drawn_Then_every_pair_comes_once_and_the_last_batch_is_smaller()
    {
        var batcher = new PreferenceBatcher(Ten, batchSize: 3, seed: 5);

        var epoch = Enumerable.Range(0, batcher.BatchesPerEpoch).Select(_ => batcher.Next()).ToArray();

        Assert.Equal([3, 3, 3, 1], epoch.Select(b => b.Pairs.Count));
        Assert.Equal(Enumerable.Range(100, 10), epoch.SelectMany(PromptTokens).Order());
        Assert.Equal(new DataPosition(1, 0), batcher.Position);
        Assert.Equal([new(0, 0), new(0, 3), new(0, 6), new DataPosition(0, 9)], epoch.Select(b => b.Start));
    }

    [Fact]
    public void Given_drop_last_When_an_epoch_is_drawn_Then_the_short_remainder_is_skipped()
    {
        var batcher = new PreferenceBatcher(Ten, batchSize: 4, seed: 5, dropLast: true);

        Assert.Equal(2, batcher.BatchesPerEpoch);
        batcher.Next();
        batcher.Next();
        Assert.Equal(new DataPosition(1, 0), batcher.Position);
        Assert.Equal(4, batcher.Next().Pairs.Count);
    }

    [Fact]
    public void Given_a_position_saved_mid_run_When_a_new_batcher_resumes_from_it_Then_it_draws_the_same_next_batches()
    {
        var uninterrupted = new PreferenceBatcher(Ten, batchSize: 4, seed: 9);
        for (var i = 0; i < 4; i++) uninterrupted.Next();
        var saved = uninterrupted.Position;
        var expected = Enumerable.Range(0, 6).Select(_ => PromptTokens(uninterrupted.Next())).ToArray();

        var resumed = new PreferenceBatcher(Ten, batchSize: 4, seed: 9, start: saved);
        var actual = Enumerable.Range(0, 6).Select(_ => PromptTokens(resumed.Next())).ToArray();

        Assert.Equal(new DataPosition(1, 4), saved);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Given_shuffle_off_When_drawing_Then_pairs_come_in_dataset_order()
    {
        var batcher = new PreferenceBatcher(Ten, batchSize: 4, seed: 9, shuffle: false);

        Assert.Equal([100, 101, 102, 103], PromptTokens(batcher.Next()));
    }

    [Fact]
    public void Given_a_position_past_the_data_When_creating_a_batcher_Then_it_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PreferenceBatcher(Ten, 4, 9, start: new DataPosition(0, 11)));
    }

    [Fact]
    public void Given_held_out_pairs_When_batched_in_order_Then_one_pass_covers_them_in_dataset_order()
    {
        var batches = PreferenceBatcher.InOrder(Ten, 4).ToArray();

        Assert.Equal([[100, 101, 102, 103], [104, 105, 106, 107], [108, 109]], batches.Select(PromptTokens));
    }
}
