namespace DeltaTui.Training.Data;

/// <summary>Token ids of a pair after <see cref="PairTruncation"/>.</summary>
internal sealed record TruncatedIds(int[] Prompt, int[] Chosen, int[] Rejected, bool Truncated);
