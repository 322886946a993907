using DeltaTui.Core.Events;

namespace DeltaTui.Telemetry;

/// <summary>The fields read only every few samples (see <see cref="TelemetryOptions.SlowFieldsEvery"/>), with their N/A reasons.</summary>
internal sealed record SlowFields(
    long? PcieTxKBps, long? PcieRxKBps, IReadOnlyList<GpuProcess> Processes, IReadOnlyList<KeyValuePair<string, string>> Errors);
