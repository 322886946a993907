using DeltaTui.Training.Config;
using DeltaTui.Formats.Tokenization;
using TorchSharp;
using ConfigTruncation = DeltaTui.Training.Config.TruncationMode;

namespace DeltaTui.Training.Data;

/// <summary>
/// The data of a run, loaded as the configuration asks: the training pairs, the held-out pairs (a separate
/// file, or a seeded fraction of the training file) and the trainer's batch source over them.
/// </summary>
/// <param name="EvalFile">The separately loaded held-out file; null when the held-out pairs were split off <paramref name="Train"/>.</param>
public sealed record TrainingData(PreferenceBatchSource Batches, PreferenceDataset Train, PreferenceDataset? EvalFile)
{
    /// <summary>The value of <c>data.path</c> that selects the demo set shipped in the assembly.</summary>
    public const string EmbeddedPath = "embedded";

    /// <summary>
    /// Loads <c>data.path</c> (or the embedded demo set, whose own held-out file is used unless <c>data.eval_path</c>
    /// names another) and prepares micro-batches of <c>training.batch_size</c> pairs.
    /// </summary>
    /// <exception cref="PreferenceDataException">A data file cannot be used; the message names file, line and field.</exception>
    public static TrainingData Load(DataOptions data, TrainingOptions training, ITokenizer tokenizer, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var options = new PreferenceDataOptions
        {
            MaxLength = data.MaxLength,
            Truncation = data.Truncation == ConfigTruncation.KeepEnd ? TruncationMode.KeepEnd : TruncationMode.KeepStart,
            SkipBadRows = data.SkipBadRows,
        };

        var embedded = data.Path == EmbeddedPath;
        var train = embedded ? EmbeddedDemoData.Load(DemoSplit.Train, tokenizer, options) : PreferenceDataset.Load(data.Path, tokenizer, options);
        var eval = data.EvalPath is not null
            ? PreferenceDataset.Load(data.EvalPath, tokenizer, options)
            : embedded ? EmbeddedDemoData.Load(DemoSplit.Eval, tokenizer, options) : null;
        var batching = new BatchingOptions(training.BatchSize, training.GradAccumulation, unchecked((ulong)data.ShuffleSeed), tokenizer.PadId);
        return new TrainingData(PreferenceBatchSource.Create(train, eval, data.EvalFraction, batching, device), train, eval);
    }
}
