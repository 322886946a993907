namespace DeltaTui.Training.Data;

/// <summary>A rendered prompt and the completion text that follows it.</summary>
public sealed record PromptAndCompletion(string Prompt, string Completion);
