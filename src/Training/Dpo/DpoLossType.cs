namespace DeltaTui.Training.Dpo;

/// <summary>The preference losses of TRL's DPOTrainer that DeltaTui supports.</summary>
public enum DpoLossType
{
    /// <summary>−(1−ε)·logσ(βΔ) − ε·logσ(−βΔ) (the original DPO loss; ε = 0 unless label smoothing is set).</summary>
    Sigmoid,

    /// <summary>(Δ − 1/(2β))² over length-averaged log-probs (Azar et al. 2023).</summary>
    Ipo,

    /// <summary>relu(1 − βΔ) (SLiC-style hinge).</summary>
    Hinge,

    /// <summary>[−(1−ε)·logσ(βΔ) + ε·logσ(−βΔ)] / (1−2ε), unbiased under label noise ε (Chowdhury et al. 2024).</summary>
    Robust,
}

public static class DpoLossTypeNames
{
    public static DpoLossType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "sigmoid" => DpoLossType.Sigmoid,
        "ipo" => DpoLossType.Ipo,
        "hinge" => DpoLossType.Hinge,
        "robust" => DpoLossType.Robust,
        _ => throw new ArgumentException($"unknown DPO loss type '{name}': expected sigmoid, ipo, hinge or robust"),
    };

    public static string ToName(this DpoLossType type) => type.ToString().ToLowerInvariant();
}
