namespace DeltaTui.Telemetry;

/// <summary>Host memory from /proc/meminfo, in bytes; Available is null on kernels older than 3.14 that lack MemAvailable.</summary>
public readonly record struct MemInfo(long TotalBytes, long? AvailableBytes)
{
    public static bool TryParse(ReadOnlySpan<byte> procMeminfo, out MemInfo info)
    {
        info = default;
        if (!TryKilobytes(procMeminfo, "MemTotal:"u8, out var total)) return false;
        long? available = TryKilobytes(procMeminfo, "MemAvailable:"u8, out var a) ? a : null;
        info = new MemInfo(total, available);
        return true;
    }

    private static bool TryKilobytes(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key, out long bytes)
    {
        bytes = 0;
        var line = ProcText.Line(text, key);
        if (line.IsEmpty) return false;
        line = line[key.Length..];
        if (!ProcText.TryNextNumber(ref line, out var kb) || kb > long.MaxValue / 1024) return false;
        bytes = (long)kb * 1024;
        return true;
    }
}
