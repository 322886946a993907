using System.Globalization;

namespace DeltaTui.Telemetry;

/// <summary>
/// Which NVML devices this process's CUDA can see, following CUDA's reading of
/// CUDA_VISIBLE_DEVICES: unset means all; a comma list of indices or GPU UUIDs (with or without
/// the "GPU-" prefix, any unique prefix of one); the list ends at the first entry that is
/// invalid, out of range, ambiguous or repeated; empty (or "-1") hides every device.
/// MIG instances ("MIG-...") are not resolved and end the list as well.
/// </summary>
public static class CudaVisibleDevices
{
    public const string VariableName = "CUDA_VISIBLE_DEVICES";

    /// <param name="value">The variable's value; null when unset.</param>
    /// <param name="uuidsByNvmlIndex">Each device's UUID as NVML reports it ("GPU-..."), by NVML index.</param>
    /// <returns>NVML indices in CUDA's order, and why the list was cut short (null when it was not).</returns>
    public static (IReadOnlyList<int> NvmlIndices, string? Note) Resolve(string? value, IReadOnlyList<string> uuidsByNvmlIndex)
    {
        var count = uuidsByNvmlIndex.Count;
        if (value is null) return (Enumerable.Range(0, count).ToArray(), null);

        var result = new List<int>();
        foreach (var raw in value.Split(','))
        {
            var entry = raw.Trim();
            var index = ResolveEntry(entry, uuidsByNvmlIndex, out var problem);
            if (index is null)
            {
                return (result, entry.Length == 0 && result.Count == 0 && value.Trim().Length == 0
                    ? $"{VariableName} is empty: no GPU visible"
                    : $"{VariableName}={value}: stopped at \"{entry}\": {problem}");
            }
            if (result.Contains(index.Value))
            {
                return (result, $"{VariableName}={value}: stopped at \"{entry}\": device {index.Value} is listed twice");
            }
            result.Add(index.Value);
        }
        return (result, null);
    }

    private static int? ResolveEntry(string entry, IReadOnlyList<string> uuids, out string problem)
    {
        problem = "";
        if (entry.Length == 0) { problem = "empty entry"; return null; }
        if (int.TryParse(entry, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
        {
            if (index < 0) { problem = "negative index hides the rest"; return null; }
            if (index >= uuids.Count) { problem = $"only {uuids.Count} device(s)"; return null; }
            return index;
        }
        if (entry.StartsWith("MIG-", StringComparison.OrdinalIgnoreCase)) { problem = "MIG instances are not resolved"; return null; }

        var prefix = entry.StartsWith("GPU-", StringComparison.OrdinalIgnoreCase) ? entry : "GPU-" + entry;
        int? match = null;
        for (var i = 0; i < uuids.Count; i++)
        {
            if (!uuids[i].StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            if (match is not null) { problem = "UUID prefix matches more than one device"; return null; }
            match = i;
        }
        if (match is null) problem = "no device has this UUID";
        return match;
    }
}
