using System.Collections.Immutable;

namespace DeltaTui.Training.Data;

/// <summary>
/// One tokenised preference pair: the shared prompt and the two completions, already cut to max_length
/// (prompt + either completion never exceeds it). Prompt tokens are context only; completion tokens are scored.
/// </summary>
/// <param name="Index">Position in <see cref="PreferenceDataset.Pairs"/>: the stable key of this pair (e.g. for cached reference log-probs).</param>
/// <param name="Line">Line of the source file the pair came from.</param>
public sealed record PreferencePair(
    int Index,
    int Line,
    ImmutableArray<int> PromptIds,
    ImmutableArray<int> ChosenIds,
    ImmutableArray<int> RejectedIds,
    bool Truncated)
{
    public int ChosenLength => PromptIds.Length + ChosenIds.Length;

    public int RejectedLength => PromptIds.Length + RejectedIds.Length;
}
