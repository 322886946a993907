using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Over which set of entries the top-k of a mask is taken.</summary>
public enum MaskScope
{
    /// <summary>One threshold over all participating tensors.</summary>
    [JsonStringEnumMemberName("global")]
    Global,

    /// <summary>The same kept fraction in every tensor.</summary>
    [JsonStringEnumMemberName("per-tensor")]
    PerTensor,

    /// <summary>Global, but every tensor keeps at least the hybrid floor fraction.</summary>
    [JsonStringEnumMemberName("hybrid")]
    Hybrid,
}
