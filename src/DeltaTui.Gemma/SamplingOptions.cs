namespace DeltaTui.Gemma;

/// <summary>
/// How <see cref="Gemma3Generator"/> picks tokens, with the meaning of transformers' <c>generate</c> arguments.
/// A temperature of 0 is greedy (<c>do_sample=False</c>); the repetition penalty applies in both modes, as in transformers.
/// Sampling applies, in transformers' order: repetition penalty, temperature, top-k, top-p.
/// </summary>
public sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>0 = greedy; otherwise logits are divided by it before sampling.</summary>
    public double Temperature { get; init; }

    /// <summary>Keep only the k most likely tokens; 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p; 1 = off.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>transformers' CTRL-style penalty over every id already in the row (prompt included); 1 = off.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Seed of the sampling generator; the same seed, prompts and options give the same tokens on the same device.</summary>
    public long Seed { get; init; }

    /// <summary>Stop ids; null: the model's (<see cref="Gemma3GenerationConfig"/>).</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    public bool Greedy => Temperature <= 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option and its allowed range.</summary>
    public void Validate()
    {
        if (MaxNewTokens <= 0) throw new ArgumentException($"max new tokens must be positive, not {MaxNewTokens}");
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature must be ≥ 0 (0 = greedy), not {Temperature}");
        if (TopK < 0) throw new ArgumentException($"top-k must be ≥ 0 (0 = off), not {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1] (1 = off), not {TopP}");
        if (!(RepetitionPenalty > 0)) throw new ArgumentException($"repetition penalty must be > 0 (1 = off), not {RepetitionPenalty}");
    }
}
