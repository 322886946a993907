namespace DeltaTui.Telemetry;

/// <summary>
/// Names of GPU processes from /proc/PID/comm, cached so a steady process list costs no reads.
/// A pid from another PID namespace (containers) has no entry here and shows as "?".
/// </summary>
internal sealed class ProcessNames(string procRoot)
{
    private const int MaxCached = 256;
    private readonly Dictionary<int, string> _cache = new();

    public string Of(int pid)
    {
        if (_cache.TryGetValue(pid, out var name)) return name;
        try
        {
            name = File.ReadAllText(Path.Combine(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "comm")).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            name = "?";
        }
        if (_cache.Count >= MaxCached) _cache.Clear();
        _cache[pid] = name;
        return name;
    }
}
