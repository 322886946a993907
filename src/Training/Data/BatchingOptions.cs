namespace DeltaTui.Training.Data;

/// <summary>How training pairs are grouped into micro-batches and steps.</summary>
/// <param name="MicroBatchSize">Pairs per forward pass.</param>
/// <param name="GradAccumulation">Micro-batches per optimizer step.</param>
/// <param name="Seed">Seeds each epoch's shuffle (and the held-out split when one is drawn).</param>
/// <param name="PadId">The tokenizer's padding id.</param>
public sealed record BatchingOptions(int MicroBatchSize, int GradAccumulation, ulong Seed, int PadId)
{
    internal void Validate()
    {
        if (MicroBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MicroBatchSize), MicroBatchSize, "the batch size must be at least 1");
        if (GradAccumulation < 1) throw new ArgumentOutOfRangeException(nameof(GradAccumulation), GradAccumulation, "gradient accumulation must be at least 1");
    }
}
