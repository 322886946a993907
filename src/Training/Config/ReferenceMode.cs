using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Where the reference policy's log-probs come from.</summary>
public enum ReferenceMode
{
    /// <summary>A frozen copy of the initial model, run alongside the policy.</summary>
    [JsonStringEnumMemberName("frozen")]
    Frozen,

    /// <summary>Log-probs computed once before training and cached on disk; no reference model in memory.</summary>
    [JsonStringEnumMemberName("precomputed")]
    Precomputed,
}
