using System.Text.Json.Serialization;
using DeltaTui.Training.Data;

namespace DeltaTui.Training.Config;

/// <summary>Preference pairs to train and evaluate on.</summary>
public sealed record DataOptions
{
    /// <summary>JSONL file of {prompt, chosen, rejected} rows (plain or conversational), or <c>embedded</c> for the shipped demo set.</summary>
    public string Path { get; init; } = "embedded";

    /// <summary>Tokens per sequence (prompt + completion); a pair whose prompt alone reaches it is skipped and counted.</summary>
    [ConfigRange(8, 1_048_576)]
    public int MaxLength { get; init; } = 512;

    /// <summary>Which end of an over-long sequence to keep: <c>keep_start</c> or <c>keep_end</c>.</summary>
    public TruncationMode Truncation { get; init; } = TruncationMode.KeepStart;

    /// <summary>Fraction of the pairs held out for evaluation when <see cref="EvalPath"/> is not set.</summary>
    [ConfigRange(0, 0.5)]
    public double EvalFraction { get; init; } = 0.1;

    /// <summary>A separate JSONL file of held-out pairs; when set, <see cref="EvalFraction"/> is ignored and all of <see cref="Path"/> trains. Null splits <see cref="Path"/>.</summary>
    public string? EvalPath { get; init; }

    /// <summary>Seed of the shuffle that orders the pairs each epoch (and picks the held-out split).</summary>
    public long ShuffleSeed { get; init; } = 1234;

    /// <summary>True skips and counts malformed rows instead of stopping with an error that names the file and line.</summary>
    public bool SkipBadRows { get; init; }
}
