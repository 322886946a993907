using TorchSharp;

namespace DeltaTui.Training.Data;

/// <summary>Pairs drawn together for one optimizer step (or one micro-batch of it).</summary>
/// <param name="Start">The batcher position this batch was drawn from.</param>
public sealed record PreferenceBatch(IReadOnlyList<PreferencePair> Pairs, DataPosition Start)
{
    /// <summary>Pads and lays out the batch as tensors; see <see cref="PreferenceBatchTensors"/> for the convention.</summary>
    public PreferenceBatchTensors ToTensors(int padId, torch.Device? device = null)
    {
        if (Pairs.Count == 0) throw new InvalidOperationException("an empty batch has no tensors");
        return PreferenceBatchTensors.Create(Pairs, padId, device);
    }

    /// <summary>
    /// Splits the batch into <paramref name="count"/> micro-batches for gradient accumulation, as even as
    /// possible (the first ones take the remainder), in order. Each pads to its own longest sequence, so a
    /// micro-batch's loss should be weighted by its share of pairs to equal the whole batch's mean.
    /// </summary>
    public IReadOnlyList<PreferenceBatch> Split(int count)
    {
        if (count < 1 || count > Pairs.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a batch of {Pairs.Count} pairs splits into 1..{Pairs.Count} micro-batches");
        var parts = new List<PreferenceBatch>(count);
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var size = Pairs.Count / count + (i < Pairs.Count % count ? 1 : 0);
            parts.Add(new PreferenceBatch(Pairs.Skip(offset).Take(size).ToArray(), Start));
            offset += size;
        }

        return parts;
    }
}
