using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Optimizers a run can use.</summary>
public enum OptimizerType
{
    /// <summary>TorchSharp's dense AdamW.</summary>
    [JsonStringEnumMemberName("adamw")]
    AdamW,

    /// <summary>Block-sparse AdamW: only active B×B blocks of 2-D weights are updated and hold moments.</summary>
    [JsonStringEnumMemberName("bsr-adamw")]
    BsrAdamW,
}
