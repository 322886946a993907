using System.Security.Cryptography;
using System.Text;
using DeltaTui.Training.Dpo;
using TorchSharp;

namespace DeltaTui.Training.Data;

/// <summary>
/// Feeds preference datasets to the trainer by position: the g-th micro-batch of the run
/// (g = step × grad_accumulation + micro) is slice g mod E of epoch g div E, where E is the number of
/// full micro-batches per epoch (a short remainder is dropped) and each epoch's order is the
/// <see cref="SeededRandom"/> shuffle of (seed, epoch). Nothing depends on the process, so a run resumed
/// in a new process sees exactly the batches of an uninterrupted one. Pair ids are positions in their split.
/// </summary>
public sealed class PreferenceBatchSource : IDpoBatchSource
{
    private readonly TrainEvalSplit split;
    private readonly BatchingOptions options;
    private readonly torch.Device device;
    private readonly PreferenceBatcher orders;
    private int cachedEpoch = -1;
    private int[] cachedOrder = [];

    public PreferenceBatchSource(TrainEvalSplit split, string fingerprint, BatchingOptions options, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (split.Train.Count == 0) throw new ArgumentException("there are no training pairs", nameof(split));
        this.split = split;
        this.options = options;
        this.device = device;
        Fingerprint = fingerprint;
        orders = new PreferenceBatcher(split.Train, options.MicroBatchSize, options.Seed);
    }

    public int TrainPairCount => split.Train.Count;

    public int EvalPairCount => split.Eval.Count;

    public string Fingerprint { get; }

    /// <summary>Full micro-batches per epoch; at least one, which is then the whole (smaller) training set.</summary>
    public int MicroBatchesPerEpoch => Math.Max(1, split.Train.Count / options.MicroBatchSize);

    /// <summary>
    /// Training pairs from <paramref name="train"/>; held-out pairs from <paramref name="evalFile"/> when given,
    /// otherwise <paramref name="heldOutFraction"/> of <paramref name="train"/> drawn with the seed.
    /// </summary>
    public static PreferenceBatchSource Create(PreferenceDataset train, PreferenceDataset? evalFile, double heldOutFraction, BatchingOptions options, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        var split = evalFile is null
            ? TrainEvalSplit.ByFraction(train.Pairs, heldOutFraction, options.Seed)
            : new TrainEvalSplit(train.Pairs, evalFile.Pairs);
        var evalIdentity = evalFile is null ? $"held-out fraction={heldOutFraction:R} seed={options.Seed}" : $"eval file {evalFile.Fingerprint}";
        var key = $"{train.Fingerprint}\n{evalIdentity}";
        return new PreferenceBatchSource(split, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), options, device);
    }

    public DpoBatch TrainBatch(int step, int microBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (microBatch < 0 || microBatch >= options.GradAccumulation)
            throw new ArgumentOutOfRangeException(nameof(microBatch), microBatch, $"micro-batch must be in 0..{options.GradAccumulation - 1}");
        var global = (long)step * options.GradAccumulation + microBatch;
        var epoch = checked((int)(global / MicroBatchesPerEpoch));
        var start = (int)(global % MicroBatchesPerEpoch) * options.MicroBatchSize;
        var order = Order(epoch);
        var count = Math.Min(options.MicroBatchSize, order.Length - start);
        return Collate(split.Train, order.AsSpan(start, count).ToArray());
    }

    public IEnumerable<DpoBatch> EvalBatches() => InOrder(split.Eval);

    public IEnumerable<DpoBatch> AllTrainBatches() => InOrder(split.Train);

    private IEnumerable<DpoBatch> InOrder(IReadOnlyList<PreferencePair> pairs)
    {
        for (var start = 0; start < pairs.Count; start += options.MicroBatchSize)
            yield return Collate(pairs, Enumerable.Range(start, Math.Min(options.MicroBatchSize, pairs.Count - start)).ToArray());
    }

    private int[] Order(int epoch)
    {
        if (epoch != cachedEpoch)
        {
            cachedOrder = orders.EpochOrder(epoch);
            cachedEpoch = epoch;
        }

        return cachedOrder;
    }

    private DpoBatch Collate(IReadOnlyList<PreferencePair> pairs, int[] pairIds)
    {
        var selected = pairIds.Select(id => pairs[id]).ToArray();
        var tensors = PreferenceBatchTensors.Create(selected, options.PadId, device);
        var tokens = selected.Sum(p => (long)p.ChosenLength + p.RejectedLength);
        // The batch takes over the tensors; the wrapper is not disposed.
        return new DpoBatch(tensors.InputIds, tensors.AttentionMask, tensors.CompletionMask, pairIds, tokens);
    }
}
