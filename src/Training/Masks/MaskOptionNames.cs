namespace DeltaTui.Training.Masks;

/// <summary>The names of <see cref="MaskScope"/> and <see cref="MaskGranularity"/> in mask files and on the command line.</summary>
public static class MaskOptionNames
{
    public static string ToName(this MaskScope scope) => scope switch
    {
        MaskScope.Global => "global",
        MaskScope.PerTensor => "per-tensor",
        MaskScope.Hybrid => "hybrid",
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static string ToName(this MaskGranularity granularity) => granularity switch
    {
        MaskGranularity.Element => "element",
        MaskGranularity.Block => "block",
        _ => throw new ArgumentOutOfRangeException(nameof(granularity)),
    };

    public static MaskScope ParseScope(string text) => text.Trim().ToLowerInvariant() switch
    {
        "global" => MaskScope.Global,
        "per-tensor" or "per_tensor" or "pertensor" => MaskScope.PerTensor,
        "hybrid" => MaskScope.Hybrid,
        _ => throw new ArgumentException($"Unknown scope '{text}'; expected global, per-tensor or hybrid."),
    };

    public static MaskGranularity ParseGranularity(string text) => text.Trim().ToLowerInvariant() switch
    {
        "element" => MaskGranularity.Element,
        "block" => MaskGranularity.Block,
        _ => throw new ArgumentException($"Unknown granularity '{text}'; expected element or block."),
    };
}
