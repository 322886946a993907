using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Formats.Tokenization;
using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;

namespace DeltaTui.Training.Data;

/// <summary>
/// The data of a run, loaded as the <c>data</c> section asks: the training pairs, the held-out pairs (the
/// embedded demo set's own held-out file, <c>data.eval_path</c>, or a seeded <c>data.eval_fraction</c> of the
/// training file) and the fingerprint that keys cached reference log-probs. The one loader of the app.
/// </summary>
/// <param name="Fingerprint">Identifies the pairs and how they were split.</param>
public sealed record RunData(IReadOnlyList<TokenizedPair> Train, IReadOnlyList<TokenizedPair> Eval, string Fingerprint)
{
    /// <summary>The value of <c>data.path</c> that selects the demo set shipped in the assembly.</summary>
    public const string EmbeddedPath = "embedded";

    /// <param name="publish">Receives a <see cref="DataRowsSkipped"/> for each file with rows read but not trained on (skipped bad rows, over-long prompts), so they are never dropped silently.</param>
    /// <exception cref="PreferenceDataException">A data file cannot be used; the message names file, line and field.</exception>
    public static RunData Load(DataOptions data, ITokenizer tokenizer, Action<RunEvent>? publish = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var dataOptions = new PreferenceDataOptions
        {
            MaxLength = data.MaxLength,
            Truncation = data.Truncation,
            SkipBadRows = data.SkipBadRows,
        };
        PreferenceDataset train;
        PreferenceDataset? eval = null;
        IReadOnlyList<PreferencePair> trainPairs, evalPairs;
        if (data.Path == EmbeddedPath)
        {
            train = EmbeddedDemoData.Load(DemoSplit.Train, tokenizer, dataOptions);
            eval = EmbeddedDemoData.Load(DemoSplit.Eval, tokenizer, dataOptions);
            (trainPairs, evalPairs) = (train.Pairs, eval.Pairs);
        }
        else
        {
            train = PreferenceDataset.Load(data.Path, tokenizer, dataOptions);
            if (data.EvalPath is { } evalPath)
            {
                eval = PreferenceDataset.Load(evalPath, tokenizer, dataOptions);
                (trainPairs, evalPairs) = (train.Pairs, eval.Pairs);
            }
            else
            {
                var split = TrainEvalSplit.ByFraction(train.Pairs, data.EvalFraction, (ulong)data.ShuffleSeed);
                (trainPairs, evalPairs) = (split.Train, split.Eval);
            }
        }
        if (publish is not null)
        {
            if (Skipped(train) is { } inTrain) publish(inTrain);
            if (eval is not null && Skipped(eval) is { } inEval) publish(inEval);
        }
        static TokenizedPair Convert(PreferencePair p) => new([.. p.PromptIds], [.. p.ChosenIds], [.. p.RejectedIds]);
        var fingerprint = eval is null ? $"{train.Fingerprint}/split={data.EvalFraction}:{data.ShuffleSeed}" : $"{train.Fingerprint}/{eval.Fingerprint}";
        return new RunData(trainPairs.Select(Convert).ToList(), evalPairs.Select(Convert).ToList(), fingerprint);
    }

    /// <summary>The rows of <paramref name="data"/> read but not trained on, or null when every row became a pair.</summary>
    public static DataRowsSkipped? Skipped(PreferenceDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var stats = data.Stats;
        if (stats.BadRows == 0 && stats.SkippedPromptTooLong == 0) return null;
        return new DataRowsSkipped(data.Source, stats.RowsRead, stats.PairsLoaded, stats.BadRows,
            stats.BadRowsByReason.OrderBy(kv => kv.Key).ToDictionary(kv => JsonNamingPolicy.SnakeCaseLower.ConvertName(kv.Key.ToString()), kv => kv.Value),
            stats.FirstBadRows.Select(p => p.ToString()).ToList(), stats.SkippedPromptTooLong);
    }
}
