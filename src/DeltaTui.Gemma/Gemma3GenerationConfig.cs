using System.Text.Json;

namespace DeltaTui.Gemma;

/// <summary>
/// The stop ids of a snapshot: <c>eos_token_id</c> of <c>generation_config.json</c> when the folder has one (Gemma-3's hub
/// snapshots list both &lt;eos&gt; = 1 and &lt;end_of_turn&gt; = 106 there), else the config's. Also writes a minimal
/// generation_config.json for a folder that has none.
/// </summary>
public static class Gemma3GenerationConfig
{
    public const string FileName = "generation_config.json";

    public static IReadOnlyList<int> EosTokenIds(string? snapshotDirectory, Gemma3Config config)
    {
        if (snapshotDirectory is null) return config.EosTokenIds;
        var path = Path.Combine(snapshotDirectory, FileName);
        if (!File.Exists(path)) return config.EosTokenIds;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (!document.RootElement.TryGetProperty("eos_token_id", out var eos)) return config.EosTokenIds;
            return eos.ValueKind switch
            {
                JsonValueKind.Number => [eos.GetInt32()],
                JsonValueKind.Array => eos.EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                JsonValueKind.Null => config.EosTokenIds,
                _ => throw new Gemma3ConfigException(path, "eos_token_id", $"must be an integer or a list of integers, not {eos.ValueKind}"),
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new Gemma3ConfigException(path, "eos_token_id", $"is not readable: {e.Message}");
        }
    }

    /// <summary>transformers' generation_config.json for a model with these ids (greedy by default).</summary>
    public static string Json(Gemma3Config config, IReadOnlyList<int> eosTokenIds)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("bos_token_id", config.BosTokenId);
            json.WriteStartArray("eos_token_id");
            foreach (var id in eosTokenIds) json.WriteNumberValue(id);
            json.WriteEndArray();
            json.WriteNumber("pad_token_id", config.PadTokenId);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
