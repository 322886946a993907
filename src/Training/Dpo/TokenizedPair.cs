namespace DeltaTui.Training.Dpo;

/// <summary>A preference pair as token ids: the shared prompt (context only) and the two scored completions.</summary>
public sealed record TokenizedPair(int[] Prompt, int[] Chosen, int[] Rejected);
