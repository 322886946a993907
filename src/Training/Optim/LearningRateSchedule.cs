using System.Text.Json.Serialization;

namespace DeltaTui.Training.Optim;

/// <summary>Learning-rate shape after the linear warm-up.</summary>
public enum LearningRateSchedule
{
    /// <summary>Cosine decay to zero at the last step.</summary>
    [JsonStringEnumMemberName("cosine")]
    Cosine,

    /// <summary>Stays at the peak learning rate.</summary>
    [JsonStringEnumMemberName("constant")]
    Constant,
}
