using DeltaTui.Training.Data;
using TorchSharp;
using Xunit;
using static DeltaTui.Training.Tests.Data.PairFactory;

namespace DeltaTui.Training.Tests.Data;

public class PreferenceBatchTests
{
    private static readonly DataPosition Start = new(0, 0);

    [Fact]
    public void Given_two_pairs_When_made_into_tensors_Then_chosen_rows_come_first_right_padded_with_exact_masks()
    {
        var batch = new PreferenceBatch(
        [
            Pair(0, prompt: [11, 12], chosen: [21, 22, 23], rejected: [31]),
            Pair(1, prompt: [13], chosen: [24], rejected: [32, 33]),
        ], Start);

        using var tensors = batch.ToTensors(padId: 0);

        Assert.Equal([4L, 5L], tensors.InputIds.shape);
        Assert.All([tensors.InputIds, tensors.AttentionMask, tensors.CompletionMask], t => Assert.Equal(torch.ScalarType.Int64, t.dtype));
        Assert.Equal(2, tensors.PairCount);
        Assert.Equal(
            new long[]
            {
                11, 12, 21, 22, 23, // pair 0 chosen
                13, 24, 0, 0, 0, //    pair 1 chosen
                11, 12, 31, 0, 0, //   pair 0 rejected
                13, 32, 33, 0, 0, //   pair 1 rejected
            },
            tensors.InputIds.data<long>().ToArray());
        Assert.Equal(
            new long[] { 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0 },
            tensors.AttentionMask.data<long>().ToArray());
        Assert.Equal(
            new long[] { 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0 },
            tensors.CompletionMask.data<long>().ToArray());
    }

    [Fact]
    public void Given_a_pad_id_When_made_into_tensors_Then_padding_uses_it()
    {
        var batch = new PreferenceBatch([Pair(0, [5], [6, 6], [7])], Start);

        using var tensors = batch.ToTensors(padId: 99);

        Assert.Equal(new long[] { 5, 6, 6, 5, 7, 99 }, tensors.InputIds.data<long>().ToArray());
    }

    [Fact]
    public void Given_five_pairs_When_split_into_two_micro_batches_Then_sizes_are_three_and_two_in_order_each_padded_to_its_own_longest()
    {
        var batch = new PreferenceBatch(
        [
            Pair(0, [1], [2], [3]),
            Pair(1, [1], [2], [3]),
            Pair(2, [1], [2], [3]),
            Pair(3, [1], [2, 2, 2, 2, 2], [3]),
            Pair(4, [1], [2], [3]),
        ], Start);

        var parts = batch.Split(2);

        Assert.Equal([[0, 1, 2], [3, 4]], parts.Select(p => p.Pairs.Select(x => x.Index).ToArray()));
        using var first = parts[0].ToTensors(0);
        using var second = parts[1].ToTensors(0);
        Assert.Equal([6L, 2L], first.InputIds.shape);
        Assert.Equal([4L, 6L], second.InputIds.shape);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Given_an_impossible_micro_batch_count_When_splitting_Then_it_is_refused(int count)
    {
        var batch = new PreferenceBatch([Pair(0, [1], [2], [3]), Pair(1, [1], [2], [3])], Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Split(count));
    }
}
