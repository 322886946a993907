namespace DeltaTui.Training.Config;

/// <summary>Which tokenizer turns text into token ids.</summary>
public sealed record TokenizerOptions
{
    /// <summary><c>auto</c> (the byte tokenizer for the embedded model, else the snapshot's tokenizer.json), <c>byte</c>, or the path of a tokenizer.json.</summary>
    public string Path { get; init; } = "auto";
}
