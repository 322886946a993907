using System.Text.Json.Serialization;

namespace DeltaTui.Training.Data;

/// <summary>
/// How a prompt + completion longer than max_length is cut (TRL's <c>truncation_mode</c>). The one definition: the data code
/// uses it and <c>data.truncation</c> in the configuration reads and writes it by the names below.
/// </summary>
public enum TruncationMode
{
    /// <summary>Keep the start of the sequence: the completion loses its end.</summary>
    [JsonStringEnumMemberName("keep_start")]
    KeepStart,

    /// <summary>
    /// Keep the end of the sequence: the prompt loses its start. Chosen and rejected share one prompt,
    /// so the prompt is cut for the longer completion; at least one prompt token is kept so the first
    /// completion token has context, and a completion that still does not fit loses its end.
    /// </summary>
    [JsonStringEnumMemberName("keep_end")]
    KeepEnd,
}
