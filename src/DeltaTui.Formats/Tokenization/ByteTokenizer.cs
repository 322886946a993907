using System.Runtime.InteropServices;
using System.Text;

namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// The tokenizer of the embedded tiny model: Gemma's control tokens at Gemma's ids for pad, eos, bos and unk
/// (0..3), then &lt;start_of_turn&gt; and &lt;end_of_turn&gt;, then one id per UTF-8 byte. Any text round-trips
/// exactly, so the tiny model needs no vocabulary file.
/// </summary>
public sealed class ByteTokenizer : ITokenizer
{
    public const int PadTokenId = 0;
    public const int EosTokenId = 1;
    public const int BosTokenId = 2;
    public const int UnkTokenId = 3;
    public const int StartOfTurnTokenId = 4;
    public const int EndOfTurnTokenId = 5;

    /// <summary>Id of byte 0; byte b has id ByteOffset + b.</summary>
    public const int ByteOffset = 6;

    private static readonly string[] SpecialTokens =
        ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"];

    private static readonly AddedTokenMatcher Matcher = new(
        SpecialTokens.Select((content, id) => new AddedToken(id, content, Special: true)).ToArray(),
        token => token.Content);

    public int VocabSize => ByteOffset + 256;
    public int BosId => BosTokenId;
    public int EosId => EosTokenId;
    public int PadId => PadTokenId;
    public int StartOfTurnId => StartOfTurnTokenId;
    public int EndOfTurnId => EndOfTurnTokenId;

    /// <summary>
    /// Special-token strings become their ids, everything else its UTF-8 bytes. Lone UTF-16 surrogates
    /// (not valid text) are encoded as U+FFFD, as UTF-8 encoding does.
    /// </summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = new List<AddedTokenMatcher.Segment>();
        Matcher.Split(text, segments);
        var ids = new List<int>(text.Length);
        var bytes = Array.Empty<byte>();
        foreach (var segment in segments)
        {
            if (segment.IsToken)
            {
                ids.Add(segment.TokenId);
                continue;
            }
            var span = text.AsSpan(segment.Start, segment.End - segment.Start);
            var byteCount = Encoding.UTF8.GetByteCount(span);
            if (bytes.Length < byteCount)
                bytes = new byte[byteCount];
            Encoding.UTF8.GetBytes(span, bytes);
            for (var i = 0; i < byteCount; i++)
                ids.Add(ByteOffset + bytes[i]);
        }
        return ids.ToArray();
    }

    /// <summary>
    /// Bytes are gathered and decoded as UTF-8 (invalid sequences become U+FFFD); control ids give their strings.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id outside [0, VocabSize).</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder(ids.Length);
        var pending = new List<byte>();
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if (id < 0 || id >= VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), id,
                    $"Token id {id} at position {i} is outside the byte tokenizer's vocabulary [0, {VocabSize}).");
            if (id >= ByteOffset)
            {
                pending.Add((byte)(id - ByteOffset));
                continue;
            }
            FlushBytes(pending, text);
            text.Append(SpecialTokens[id]);
        }
        FlushBytes(pending, text);
        return text.ToString();
    }

    /// <summary>The string of an id: a control token, or "&lt;0xNN&gt;" for a byte.</summary>
    public string IdToToken(int id)
    {
        if (id < 0 || id >= VocabSize)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside [0, {VocabSize}).");
        return id < ByteOffset ? SpecialTokens[id] : $"<0x{id - ByteOffset:X2}>";
    }

    private static void FlushBytes(List<byte> pending, StringBuilder text)
    {
        if (pending.Count == 0)
            return;
        text.Append(Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(pending)));
        pending.Clear();
    }
}
