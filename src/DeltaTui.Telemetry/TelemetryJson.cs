using System.Text.Json;
using System.Text.Json.Serialization;
using DeltaTui.Core.Events;

namespace DeltaTui.Telemetry;

/// <summary>Snapshots as JSON for scripts (`deltatui gpu --json`): camelCase, N/A as null, with "fieldErrors" saying why.</summary>
public static class TelemetryJson
{
    private static readonly JsonSerializerOptions Indented = Create(indented: true);
    private static readonly JsonSerializerOptions Compact = Create(indented: false);

    public static string Serialize(GpuSnapshot gpus, HostSnapshot? host, bool indented) =>
        JsonSerializer.Serialize(new TelemetryDocument(gpus, host), indented ? Indented : Compact);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        WriteIndented = indented,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private sealed record TelemetryDocument(GpuSnapshot Gpu, HostSnapshot? Host);
}
