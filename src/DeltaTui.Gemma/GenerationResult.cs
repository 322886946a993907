namespace DeltaTui.Gemma;

public enum FinishReason
{
    /// <summary>The row produced one of the stop ids (the last token of <see cref="GeneratedSequence.Tokens"/>).</summary>
    Eos,

    /// <summary>The row reached the maximum number of new tokens (or the model's context).</summary>
    Length,
}

/// <summary>One prompt's completion: the new tokens (the stop token included when <see cref="Reason"/> is Eos).</summary>
public sealed record GeneratedSequence(IReadOnlyList<int> PromptIds, IReadOnlyList<int> Tokens, FinishReason Reason)
{
    /// <summary>The new tokens without the stop token.</summary>
    public IReadOnlyList<int> Completion => Reason == FinishReason.Eos ? Tokens.Take(Tokens.Count - 1).ToArray() : Tokens;
}

/// <summary>The tokens every row chose at one decode step (a finished row's entry is null), for streaming.</summary>
public sealed record GenerationStep(int Index, IReadOnlyList<int?> Tokens);

/// <summary>A request the generator cannot serve (empty prompt, longer than the model's context): the message says which and why.</summary>
public sealed class GenerationException(string message) : Exception(message);
