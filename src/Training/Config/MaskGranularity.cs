using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Whether masks select single weights or whole blocks.</summary>
public enum MaskGranularity
{
    /// <summary>Each weight is kept or dropped on its own.</summary>
    [JsonStringEnumMemberName("element")]
    Element,

    /// <summary>B×B blocks are kept or dropped together, scored by the block's mean.</summary>
    [JsonStringEnumMemberName("block")]
    Block,
}
