using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace DeltaTui.Core.Events;

/// <summary>
/// One JSON object per event, with a "type" discriminator: what metrics.jsonl holds, and what
/// `deltatui replay` / `watch` read back into the same records the live dashboard folds.
/// </summary>
public static class RunEventJson
{
    private static readonly Dictionary<string, Type> TypesByName = typeof(RunEvent).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(RunEvent)) && !t.IsAbstract)
        .ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = false,
    };

    public static string Serialize(RunEvent e)
    {
        var node = JsonSerializer.SerializeToNode(e, e.GetType(), Options)!.AsObject();
        node.Remove("must_deliver");
        var ordered = new JsonObject { ["type"] = e.GetType().Name };
        foreach (var (key, value) in node.ToList())
        {
            node.Remove(key);
            ordered[key] = value;
        }
        return ordered.ToJsonString(Options);
    }

    /// <summary>Reads one line back. Returns false (with a reason) for unknown types or malformed lines; never throws on bad input.</summary>
    public static bool TryDeserialize(string line, out RunEvent? e, out string? error)
    {
        e = null;
        error = null;
        try
        {
            var node = JsonNode.Parse(line) as JsonObject;
            if (node is null) { error = "not a JSON object"; return false; }
            if (node["type"]?.GetValue<string>() is not string type) { error = "missing \"type\""; return false; }
            if (!TypesByName.TryGetValue(type, out var t)) { error = $"unknown event type \"{type}\""; return false; }
            node.Remove("type");
            e = (RunEvent?)node.Deserialize(t, Options);
            if (e is null) error = "empty event";
            return e is not null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            error = ex.Message;
            return false;
        }
    }
}
