using System.Text.Json.Serialization;

namespace DeltaTui.Training.Dpo;

/// <summary>DPO loss variants, over Δ = (log πθ(y⁺) − log πref(y⁺)) − (log πθ(y⁻) − log πref(y⁻)).</summary>
public enum DpoLossType
{
    /// <summary>−log σ(βΔ), the original DPO loss.</summary>
    [JsonStringEnumMemberName("sigmoid")]
    Sigmoid,

    /// <summary>(Δ/length − 1/(2β))², identity preference optimisation.</summary>
    [JsonStringEnumMemberName("ipo")]
    Ipo,

    /// <summary>relu(1 − βΔ), the SLiC hinge loss.</summary>
    [JsonStringEnumMemberName("hinge")]
    Hinge,

    /// <summary>[−(1−ε) log σ(βΔ) + ε log σ(−βΔ)] / (1−2ε), robust to label noise ε.</summary>
    [JsonStringEnumMemberName("robust")]
    Robust,
}
