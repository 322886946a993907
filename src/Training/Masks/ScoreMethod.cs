namespace DeltaTui.Training.Masks;

/// <summary>The three ways of ranking weights by how much DPO moves them.</summary>
public enum ScoreMethod
{
    /// <summary>|θ_t − θ_0|.</summary>
    Magnitude,

    /// <summary>|m̂| / (√v̂ + ε) from the AdamW moments (sparse momentum).</summary>
    Momentum,

    /// <summary>Running mean of g² (empirical Fisher diagonal).</summary>
    Fisher,
}

public static class ScoreMethodNames
{
    public static IReadOnlyList<ScoreMethod> All { get; } = [ScoreMethod.Magnitude, ScoreMethod.Momentum, ScoreMethod.Fisher];

    public static string ToName(this ScoreMethod method) => method switch
    {
        ScoreMethod.Magnitude => "magnitude",
        ScoreMethod.Momentum => "momentum",
        ScoreMethod.Fisher => "fisher",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static ScoreMethod Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "magnitude" => ScoreMethod.Magnitude,
        "momentum" => ScoreMethod.Momentum,
        "fisher" => ScoreMethod.Fisher,
        _ => throw new ArgumentException($"Unknown score method '{text}'; expected magnitude, momentum or fisher."),
    };
}
