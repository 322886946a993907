namespace DeltaTui.Training.Data;

/// <summary>A validated row as text: the shared prompt and both completions, ready to tokenise.</summary>
/// <param name="Raw">Text written as is (<see cref="StringPairFormat.Raw"/>): BOS and EOS ids are added around it.</param>
internal sealed record RenderedPair(string Prompt, string Chosen, string Rejected, bool Raw);
