using DeltaTui.Training.Models;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Turns tokenised pairs into padded [chosen; rejected] batches addressed by (step, micro-batch):
/// each epoch visits the training pairs in a permutation drawn from (seed, epoch), and the g-th
/// micro-batch of the run is a fixed slice of that sequence, so a resumed run sees exactly the
/// batches an uninterrupted one would have (the data position is the step counter).
/// </summary>
public sealed class PositionalBatchSource : IDpoBatchSource
{
    private readonly IReadOnlyList<TokenizedPair> _train;
    private readonly IReadOnlyList<TokenizedPair> _eval;
    private readonly int _batchSize;
    private readonly int _gradAccumulation;
    private readonly long _seed;
    private readonly int _padId;
    private readonly Device _device;
    private int _cachedEpoch = -1;
    private int[] _cachedOrder = [];

    public PositionalBatchSource(
        IReadOnlyList<TokenizedPair> train, IReadOnlyList<TokenizedPair> eval, int batchSize, int gradAccumulation,
        long seed, int padId, Device device, string fingerprint)
    {
        if (train.Count == 0) throw new ArgumentException("no training pairs");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "training.batch_size must be ≥ 1");
        RequirePrompts(train, "training");
        RequirePrompts(eval, "held-out");
        _train = train;
        _eval = eval;
        _batchSize = batchSize;
        _gradAccumulation = gradAccumulation;
        _seed = seed;
        _padId = padId;
        _device = device;
        Fingerprint = fingerprint;
    }

    public int TrainPairCount => _train.Count;

    public int EvalPairCount => _eval.Count;

    public string Fingerprint { get; }

    /// <summary>Micro-batches per pass over the training pairs (a last partial batch is dropped, as with drop_last).</summary>
    public int BatchesPerEpoch => Math.Max(1, _train.Count / _batchSize);

    public DpoBatch TrainBatch(int step, int microBatch)
    {
        var global = (long)step * _gradAccumulation + microBatch;
        var epoch = (int)(global / BatchesPerEpoch);
        var start = (int)(global % BatchesPerEpoch) * _batchSize;
        var order = Order(epoch);
        var ids = order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray();
        return Collate(_train, ids);
    }

    public IEnumerable<DpoBatch> EvalBatches()
    {
        for (var start = 0; start < _eval.Count; start += _batchSize)
            yield return Collate(_eval, Enumerable.Range(start, Math.Min(_batchSize, _eval.Count - start)).ToArray());
    }

    public IEnumerable<DpoBatch> AllTrainBatches()
    {
        for (var start = 0; start < _train.Count; start += _batchSize)
            yield return Collate(_train, Enumerable.Range(start, Math.Min(_batchSize, _train.Count - start)).ToArray());
    }

    /// <summary>
    /// A completion scored from position 0 would have no token to be predicted from. The model checks that only for
    /// masks on the CPU (on a GPU the check would stall every forward pass), so it is checked here, once, on the host.
    /// </summary>
    private static void RequirePrompts(IReadOnlyList<TokenizedPair> pairs, string split)
    {
        for (var i = 0; i < pairs.Count; i++)
            if (pairs[i].Prompt.Length == 0)
                throw new ArgumentException($"{split} pair {i} has an empty prompt: its first completion token would have nothing to be predicted from");
    }

    private int[] Order(int epoch)
    {
        if (epoch == _cachedEpoch) return _cachedOrder;
        var order = Enumerable.Range(0, _train.Count).ToArray();
        // A fresh generator per epoch keeps any epoch's order computable without replaying the earlier ones.
        // It must not depend on the process (HashCode is randomised per process): a run resumed in a new
        // process has to see the same order.
        Data.SeededRandom.ForStream((ulong)_seed, (ulong)epoch).Shuffle(order.AsSpan());
        _cachedEpoch = epoch;
        _cachedOrder = order;
        return order;
    }

    /// <summary>Right-padded [2B,T] tensors: rows 0..B−1 prompt+chosen, rows B..2B−1 prompt+rejected.</summary>
    public DpoBatch Collate(IReadOnlyList<TokenizedPair> pairs, int[] pairIds)
    {
        var b = pairIds.Length;
        var length = pairIds.Max(i => pairs[i].Prompt.Length + Math.Max(pairs[i].Chosen.Length, pairs[i].Rejected.Length));
        var input = new long[2 * b * length];
        var attention = new long[2 * b * length];
        var completion = new long[2 * b * length];
        Array.Fill(input, _padId);
        long tokens = 0;
        for (var row = 0; row < 2 * b; row++)
        {
            var pair = pairs[pairIds[row % b]];
            var answer = row < b ? pair.Chosen : pair.Rejected;
            var offset = row * length;
            for (var t = 0; t < pair.Prompt.Length; t++) { input[offset + t] = pair.Prompt[t]; attention[offset + t] = 1; }
            for (var t = 0; t < answer.Length; t++)
            {
                var at = offset + pair.Prompt.Length + t;
                input[at] = answer[t];
                attention[at] = 1;
                completion[at] = 1;
            }
            tokens += pair.Prompt.Length + answer.Length;
        }
        long[] shape = [2 * b, length];
        return new DpoBatch(
            HostToDevice.Copy(input, shape, _device), HostToDevice.Copy(attention, shape, _device), HostToDevice.Copy(completion, shape, _device),
            pairIds, tokens);
    }
}
