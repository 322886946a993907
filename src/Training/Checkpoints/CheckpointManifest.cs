using DeltaTui.Training.Dpo;
using System.Text.Json.Serialization;

namespace DeltaTui.Training.Checkpoints;

/// <summary>
/// The marker file of a checkpoint, written last: a checkpoint without it, or whose files differ
/// from what it lists (size or SHA-256), was cut short and is never resumed from.
/// </summary>
public sealed record CheckpointManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("files")] IReadOnlyList<CheckpointFileEntry> Files)
{
    public const string FileName = "COMPLETE";
    public const string CurrentFormat = "deltatui-checkpoint-v1";
}

public sealed record CheckpointFileEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);
