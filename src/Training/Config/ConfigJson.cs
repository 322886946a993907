using DeltaTui.Core.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Writes a resolved configuration as JSON in the same layout the loader reads, so a run folder's config.json reproduces the run.</summary>
public static class ConfigJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(DeltaTuiOptions options) => JsonSerializer.Serialize(options, Options);

    /// <summary>Writes durably (<see cref="AtomicFile"/>), so a crash never leaves half a config.</summary>
    public static void WriteAtomically(DeltaTuiOptions options, string path) =>
        AtomicFile.WriteAllText(path, Serialize(options) + "\n");
}
