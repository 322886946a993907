using DeltaTui.Training.Data;
using DeltaTui.Training.Dpo;
using TorchSharp;
using Xunit;
using static DeltaTui.Training.Tests.Data.PairFactory;

namespace DeltaTui.Training.Tests.Data;

public sealed class PreferenceBatchSourceTests : IDisposable
{
    private static readonly BatchingOptions FourByTwo = new(MicroBatchSize: 4, GradAccumulation: 2, Seed: 17, PadId: 0);

    private readonly DataFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Given_two_sources_built_alike_When_asked_for_the_same_step_Then_they_give_the_same_pairs_as_a_resumed_process_would()
    {
        var split = new TrainEvalSplit(Numbered(10), []);
        var first = new PreferenceBatchSource(split, "f", FourByTwo, torch.CPU);
        var second = new PreferenceBatchSource(split, "f", FourByTwo, torch.CPU);

        for (var step = 0; step < 5; step++)
        for (var micro = 0; micro < 2; micro++)
        {
            using var a = first.TrainBatch(step, micro);
            using var b = second.TrainBatch(step, micro);
            Assert.Equal(a.PairIds, b.PairIds);
        }
    }

    [Fact]
    public void Given_ten_pairs_in_micro_batches_of_four_When_stepping_Then_each_epoch_is_two_slices_of_the_seeded_order_and_the_rest_is_dropped()
    {
        var pairs = Numbered(10);
        var source = new PreferenceBatchSource(new TrainEvalSplit(pairs, []), "f", FourByTwo, torch.CPU);
        var epoch0 = new PreferenceBatcher(pairs, 4, FourByTwo.Seed).EpochOrder(0);
        var epoch1 = new PreferenceBatcher(pairs, 4, FourByTwo.Seed).EpochOrder(1);

        using var step0Micro0 = source.TrainBatch(0, 0);
        using var step0Micro1 = source.TrainBatch(0, 1);
        using var step1Micro0 = source.TrainBatch(1, 0);

        Assert.Equal(2, source.MicroBatchesPerEpoch);
        Assert.Equal(epoch0[..4], step0Micro0.PairIds);
        Assert.Equal(epoch0[4..8], step0Micro1.PairIds);
        Assert.Equal(epoch1[..4], step1Micro0.PairIds);
    }

    [Fact]
    public void Given_a_batch_When_collated_Then_tensors_follow_the_chosen_then_rejected_layout_and_the_token_count_is_exact()
    {
        var pairs = new[] { Pair(0, [11, 12], [21, 22, 23], [31]), Pair(1, [13], [24], [32, 33]) };
        var source = new PreferenceBatchSource(new TrainEvalSplit(pairs, pairs), "f", new BatchingOptions(2, 1, 1, PadId: 9), torch.CPU);

        using var batch = source.EvalBatches().Single();

        Assert.Equal([0, 1], batch.PairIds);
        Assert.Equal(5 + 2 + 3 + 3, batch.TokenCount);
        Assert.Equal(
            new long[] { 11, 12, 21, 22, 23, 13, 24, 9, 9, 9, 11, 12, 31, 9, 9, 13, 32, 33, 9, 9 },
            batch.InputIds.data<long>().ToArray());
        Assert.Equal(
            new long[] { 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0 },
            batch.CompletionMask.data<long>().ToArray());
    }

    [Fact]
    public void Given_a_held_out_split_When_passing_over_all_training_and_eval_batches_Then_every_pair_id_of_each_split_comes_once()
    {
        var source = new PreferenceBatchSource(TrainEvalSplit.ByFraction(Numbered(23), 0.2, 3), "f", FourByTwo, torch.CPU);

        var train = Ids(source.AllTrainBatches());
        var eval = Ids(source.EvalBatches());

        Assert.Equal(Enumerable.Range(0, source.TrainPairCount), train);
        Assert.Equal(Enumerable.Range(0, source.EvalPairCount), eval);
        Assert.Equal((18, 5), (source.TrainPairCount, source.EvalPairCount));
    }

    [Fact]
    public void Given_datasets_When_the_eval_source_or_held_out_fraction_changes_Then_the_fingerprint_changes()
    {
        var tokenizer = new FakeByteTokenizer();
        var rows = Enumerable.Range(0, 8).Select(i => $$"""{"prompt": "Q{{i}}", "chosen": "yes.", "rejected": "NO!"}""").ToArray();
        var train = PreferenceDataset.Load(files.WriteLines("train.jsonl", rows), tokenizer);
        var eval = PreferenceDataset.Load(files.WriteLines("eval.jsonl", rows[..2]), tokenizer);
        var options = new BatchingOptions(2, 1, 5, tokenizer.PadId);

        string[] fingerprints =
        [
            PreferenceBatchSource.Create(train, null, 0.25, options, torch.CPU).Fingerprint,
            PreferenceBatchSource.Create(train, null, 0.25, options, torch.CPU).Fingerprint,
            PreferenceBatchSource.Create(train, null, 0.5, options, torch.CPU).Fingerprint,
            PreferenceBatchSource.Create(train, null, 0.25, options with { Seed = 6 }, torch.CPU).Fingerprint,
            PreferenceBatchSource.Create(train, eval, 0, options, torch.CPU).Fingerprint,
        ];

        Assert.Equal(fingerprints[0], fingerprints[1]);
        Assert.Equal(4, fingerprints.Distinct().Count());
    }

    [Fact]
    public void Given_a_micro_batch_index_beyond_grad_accumulation_When_asked_Then_it_is_refused()
    {
        var source = new PreferenceBatchSource(new TrainEvalSplit(Numbered(10), []), "f", FourByTwo, torch.CPU);

        Assert.Throws<ArgumentOutOfRangeException>(() => source.TrainBatch(0, 2));
    }

    private static int[] Ids(IEnumerable<DpoBatch> batches)
    {
        var ids = new List<int>();
        foreach (var batch in batches)
            using (batch)
                ids.AddRange(batch.PairIds);
        return [.. ids.Order()];
    }
}
