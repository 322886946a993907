namespace DeltaTui.Training.Masks;

/// <summary>
/// Which parameters get scores and masks: by default every 2-D weight except embeddings (the tied
/// embedding is a quarter-billion entries of a 270M model and moves only for the rows a batch touches).
/// </summary>
/// <param name="IncludeEmbeddings">Also score tensors whose name contains "embed".</param>
/// <param name="Exclude">Names containing any of these substrings are left out.</param>
public sealed record ScoreParticipation(bool IncludeEmbeddings = false, IReadOnlyList<string>? Exclude = null)
{
    public static ScoreParticipation Default { get; } = new();

    public bool Includes(string name, IReadOnlyList<long> shape) =>
        shape.Count == 2
        && (IncludeEmbeddings || !name.Contains("embed", StringComparison.Ordinal))
        && (Exclude is null || !Exclude.Any(x => name.Contains(x, StringComparison.Ordinal)));
}
