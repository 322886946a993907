namespace DeltaTui.Formats.Tokenization;

/// <summary>How a "Split" pre-tokenizer treats the delimiter it finds (Hugging Face's SplitDelimiterBehavior).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>
/// tokenizer.json's "Split" pre-tokenizer with a literal pattern: cuts the (normalised) text into the pieces
/// that BPE then encodes one by one, with Hugging Face's rules for where each delimiter goes.
/// </summary>
internal sealed class SplitPreTokenizer(string pattern, SplitBehavior behavior)
{
    /// <summary>Appends the non-empty pieces [start, end) of <paramref name="text"/> to <paramref name="pieces"/>.</summary>
    public void Split(ReadOnlySpan<char> text, int offset, List<(int Start, int End)> pieces)
    {
        var first = text.IndexOf(pattern.AsSpan(), StringComparison.Ordinal);
        if (first < 0)
        {
            if (text.Length > 0)
                pieces.Add((offset, offset + text.Length));
            return;
        }

        // Alternating (range, isMatch) parts covering the text, as Hugging Face's find_matches produces.
        var parts = new List<(int Start, int End, bool IsMatch)>();
        var position = 0;
        var match = first;
        while (match >= 0)
        {
            var start = position + match;
            if (start > position)
                parts.Add((position, start, false));
            parts.Add((start, start + pattern.Length, true));
            position = start + pattern.Length;
            match = text[position..].IndexOf(pattern.AsSpan(), StringComparison.Ordinal);
        }
        if (position < text.Length)
            parts.Add((position, text.Length, false));

        foreach (var (start, end) in Merge(parts))
        {
            if (end > start)
                pieces.Add((offset + start, offset + end));
        }
    }

    private IEnumerable<(int Start, int End)> Merge(List<(int Start, int End, bool IsMatch)> parts)
    {
        var merged = new List<(int Start, int End)>();
        var previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                return parts.Where(p => !p.IsMatch).Select(p => (p.Start, p.End));
            case SplitBehavior.Isolated:
                return parts.Select(p => (p.Start, p.End));
            case SplitBehavior.MergedWithPrevious:
                foreach (var part in parts)
                {
                    if (part.IsMatch && !previousMatch && merged.Count > 0)
                        merged[^1] = (merged[^1].Start, part.End);
                    else
                        merged.Add((part.Start, part.End));
                    previousMatch = part.IsMatch;
                }
                return merged;
            case SplitBehavior.MergedWithNext:
                for (var i = parts.Count - 1; i >= 0; i--)
                {
                    var part = parts[i];
                    if (part.IsMatch && !previousMatch && merged.Count > 0)
                        merged[^1] = (part.Start, merged[^1].End);
                    else
                        merged.Add((part.Start, part.End));
                    previousMatch = part.IsMatch;
                }
                merged.Reverse();
                return merged;
            case SplitBehavior.Contiguous:
                foreach (var part in parts)
                {
                    if (part.IsMatch == previousMatch && merged.Count > 0)
                        merged[^1] = (merged[^1].Start, part.End);
                    else
                        merged.Add((part.Start, part.End));
                    previousMatch = part.IsMatch;
                }
                return merged;
            default:
                throw new InvalidOperationException($"Unknown split behavior {behavior}.");
        }
    }
}
