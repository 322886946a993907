namespace DeltaTui.Training.Dpo;

/// <summary>
/// Batches addressed by position rather than drawn from an iterator, so a resumed run gets exactly
/// the batches the uninterrupted one would have got (the data position is just the step counter).
/// </summary>
public interface IDpoBatchSource
{
    int TrainPairCount { get; }

    int EvalPairCount { get; }

    /// <summary>The micro-batch <paramref name="microBatch"/> of optimizer step <paramref name="step"/> (0-based), on the training device.</summary>
    DpoBatch TrainBatch(int step, int microBatch);

    /// <summary>The held-out split in fixed order, on the training device.</summary>
    IEnumerable<DpoBatch> EvalBatches();

    /// <summary>Every training batch of one pass in fixed order (for precomputing reference log-probs).</summary>
    IEnumerable<DpoBatch> AllTrainBatches();

    /// <summary>Identifies the tokenised data exactly (hex digest), for caches.</summary>
    string Fingerprint { get; }
}
