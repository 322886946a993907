using System.Text.Json.Serialization;

namespace DeltaTui.Training.Masks;

/// <summary>Whether masks select single weights or whole blocks (<c>masks.granularity</c> in the configuration).</summary>
public enum MaskGranularity
{
    /// <summary>Each weight is kept or dropped on its own.</summary>
    [JsonStringEnumMemberName("element")]
    Element,

    /// <summary>B×B tiles over the last two dimensions, kept or dropped together, scored by the mean of their entries.</summary>
    [JsonStringEnumMemberName("block")]
    Block,
}
