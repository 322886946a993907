using DeltaTui.Training.Config;

namespace DeltaTui.Training.Dpo;

public static class DpoLossTypeNames
{
    /// <summary>The config spelling (sigmoid, ipo, hinge, robust), as TRL names them.</summary>
    public static string ToName(this DpoLossType type) => type.ToString().ToLowerInvariant();
}
