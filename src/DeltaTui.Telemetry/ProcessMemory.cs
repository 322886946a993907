namespace DeltaTui.Telemetry;

/// <summary>This process's resident set from /proc/self/statm ("size resident shared text lib data dt", in pages).</summary>
public static class ProcessMemory
{
    public static bool TryParseStatmRss(ReadOnlySpan<byte> statm, long pageSize, out long rssBytes)
    {
        rssBytes = 0;
        if (pageSize <= 0) return false;
        if (!ProcText.TryNextNumber(ref statm, out _) || !ProcText.TryNextNumber(ref statm, out var pages)) return false;
        if (pages > (ulong)(long.MaxValue / pageSize)) return false;
        rssBytes = (long)pages * pageSize;
        return true;
    }
}
