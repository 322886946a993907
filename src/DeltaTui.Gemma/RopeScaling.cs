namespace DeltaTui.Gemma;

/// <summary>
/// RoPE frequency scaling. Only the kinds Gemma-3 checkpoints use are supported: none ("default")
/// and "linear" (positions divided by <see cref="Factor"/>, as the 4B–27B models do for full layers).
/// </summary>
public sealed record RopeScaling(string Type, double Factor)
{
    public static RopeScaling None { get; } = new("default", 1.0);

    public bool IsNone => Type == "default";
}
