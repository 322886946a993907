namespace DeltaTui.Telemetry;

/// <summary>
/// Allocation-free readers of the ASCII numbers in /proc files, on the raw bytes: the sampler
/// parses the same few hundred bytes every second and should not make strings for it.
/// </summary>
internal static class ProcText
{
    /// <summary>The line that starts with <paramref name="key"/> (at a line start), without its newline; empty when absent.</summary>
    public static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key)
    {
        var at = 0;
        while (at < text.Length)
        {
            var rest = text[at..];
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            if (line.StartsWith(key)) return line;
            if (end < 0) break;
            at += end + 1;
        }
        return [];
    }

    /// <summary>
    /// Reads the next unsigned decimal after skipping spaces and tabs; false when the next
    /// non-blank byte is not a digit or the number overflows.
    /// </summary>
    public static bool TryNextNumber(ref ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        var i = 0;
        while (i < text.Length && (text[i] == (byte)' ' || text[i] == (byte)'\t')) i++;
        var start = i;
        while (i < text.Length && text[i] >= (byte)'0' && text[i] <= (byte)'9')
        {
            var digit = (ulong)(text[i] - (byte)'0');
            if (value > (ulong.MaxValue - digit) / 10) return false;
            value = value * 10 + digit;
            i++;
        }
        text = text[i..];
        return i > start;
    }
}
