using System.Buffers;
using System.Globalization;
using System.Text;

namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// Finds added tokens in text the way Hugging Face tokenizers does: leftmost-longest matches over all
/// patterns (as its Aho-Corasick trie does), then the single_word / lstrip / rstrip rules per match.
/// The result covers the whole text, alternating plain segments and token segments.
/// </summary>
internal sealed class AddedTokenMatcher
{
    /// <summary>A slice [Start, End) of the text; TokenId is -1 for plain text.</summary>
    public readonly record struct Segment(int Start, int End, int TokenId)
    {
        public bool IsToken => TokenId >= 0;
    }

    // Trie edges keyed by (node << 16 | char); a node's terminal holds the index of the token ending there.
    private readonly Dictionary<long, int> _edges = new();
    private readonly List<int> _terminal = new() { -1 };
    private readonly AddedToken[] _tokens;
    private readonly SearchValues<char> _firstChars;

    /// <param name="tokens">The tokens to match.</param>
    /// <param name="patternOf">The text each token matches (its content, or its normalised content).</param>
    public AddedTokenMatcher(IReadOnlyList<AddedToken> tokens, Func<AddedToken, string> patternOf)
    {
        _tokens = tokens.ToArray();
        var first = new HashSet<char>();
        for (var t = 0; t < _tokens.Length; t++)
        {
            var pattern = patternOf(_tokens[t]);
            if (pattern.Length == 0)
                continue;
            first.Add(pattern[0]);
            var node = 0;
            foreach (var c in pattern)
            {
                var key = ((long)node << 16) | c;
                if (!_edges.TryGetValue(key, out var child))
                {
                    child = _terminal.Count;
                    _terminal.Add(-1);
                    _edges.Add(key, child);
                }
                node = child;
            }
            // Hugging Face keeps the last definition of a duplicated pattern.
            _terminal[node] = t;
        }
        _firstChars = SearchValues.Create(first.ToArray());
    }

    public bool IsEmpty => _edges.Count == 0;

    public void Split(string text, List<Segment> output)
    {
        var startOffset = 0;
        var position = 0;
        while (position < text.Length)
        {
            var candidate = text.AsSpan(position).IndexOfAny(_firstChars);
            if (candidate < 0)
                break;
            position += candidate;
            var (tokenIndex, matchEnd) = LongestMatchAt(text, position);
            if (tokenIndex < 0)
            {
                position++;
                continue;
            }

            var start = position;
            var stop = matchEnd;
            // Matching resumes after the raw match, whatever the flags below decide (as Aho-Corasick's iterator does).
            position = matchEnd;
            var token = _tokens[tokenIndex];
            if (token.SingleWord)
            {
                var startSpace = start == 0 || !IsWordCharBefore(text, start);
                var stopSpace = stop == text.Length || !IsWordCharAt(text, stop);
                if (!startSpace || !stopSpace)
                    continue;
            }
            if (token.LStrip)
            {
                var newStart = start;
                while (newStart > 0 && char.IsWhiteSpace(text[newStart - 1]))
                    newStart--;
                start = Math.Max(newStart, startOffset);
            }
            if (token.RStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                    stop++;
            }
            if (startOffset < start)
                output.Add(new Segment(startOffset, start, -1));
            output.Add(new Segment(start, stop, token.Id));
            startOffset = stop;
        }
        if (startOffset < text.Length)
            output.Add(new Segment(startOffset, text.Length, -1));
    }

    private (int TokenIndex, int End) LongestMatchAt(string text, int start)
    {
        var node = 0;
        var best = -1;
        var bestEnd = start;
        for (var i = start; i < text.Length; i++)
        {
            if (!_edges.TryGetValue(((long)node << 16) | text[i], out node))
                break;
            if (_terminal[node] >= 0)
            {
                best = _terminal[node];
                bestEnd = i + 1;
            }
        }
        return (best, bestEnd);
    }

    // Hugging Face uses the regex class \w: letters, marks, decimal digits and connector punctuation.
    private static bool IsWordChar(Rune rune) =>
        Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
                or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };

    private static bool IsWordCharBefore(string text, int index) =>
        Rune.DecodeLastFromUtf16(text.AsSpan(0, index), out var rune, out _) == OperationStatus.Done && IsWordChar(rune);

    private static bool IsWordCharAt(string text, int index) =>
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out _) == OperationStatus.Done && IsWordChar(rune);
}
