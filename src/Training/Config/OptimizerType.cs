using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Optimizers a run can use.</summary>
public enum OptimizerType
{
    /// <summary>
    /// Dense AdamW: the native fused kernel (one launch for all parameters, fp32 moments, fp32 master for
    /// bf16 weights) when libdeltatui_native serves the parameters, TorchSharp's AdamW otherwise.
    /// </summary>
    [JsonStringEnumMemberName("adamw")]
    AdamW,

    /// <summary>Block-sparse AdamW: only active B×B blocks of 2-D weights are updated and hold moments.</summary>
    [JsonStringEnumMemberName("bsr-adamw")]
    BsrAdamW,
}
