using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Which end of an over-long sequence survives truncation to max_length.</summary>
public enum TruncationMode
{
    /// <summary>Keep the beginning (prompt first), cut the end of the completion.</summary>
    [JsonStringEnumMemberName("keep_start")]
    KeepStart,

    /// <summary>Keep the end (the completion), cut the beginning of the prompt.</summary>
    [JsonStringEnumMemberName("keep_end")]
    KeepEnd,
}
