using System.Text.Json.Serialization;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Over which set of entries the top-k of a mask is taken. The one definition: the mask code uses it and
/// <c>masks.scope</c> in the configuration reads and writes it by the names below.
/// </summary>
public enum MaskScope
{
    /// <summary>One ranking over all participating tensors.</summary>
    [JsonStringEnumMemberName("global")]
    Global,

    /// <summary>Each tensor keeps the same fraction.</summary>
    [JsonStringEnumMemberName("per-tensor")]
    PerTensor,

    /// <summary>Global, but every tensor keeps at least <see cref="Config.MaskOptions.HybridFloor"/> of its units.</summary>
    [JsonStringEnumMemberName("hybrid")]
    Hybrid,
}
