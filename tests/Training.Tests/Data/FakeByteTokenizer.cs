using System.Text;
using DeltaTui.Formats.Tokenization;

namespace DeltaTui.Training.Tests.Data;

/// <summary>
/// A test tokenizer with easy arithmetic: the five Gemma special tokens are ids 0..4 and byte b is id 10 + b,
/// so one UTF-8 byte is one token as with the byte-level tokenizer of the demo model.
/// </summary>
internal sealed class FakeByteTokenizer(int byteOffset = 10) : ITokenizer
{
    public const int Pad = 0, Eos = 1, Bos = 2, StartOfTurn = 3, EndOfTurn = 4;

    private static readonly (string Text, int Id)[] Specials =
        [("<pad>", Pad), ("<eos>", Eos), ("<bos>", Bos), ("<start_of_turn>", StartOfTurn), ("<end_of_turn>", EndOfTurn)];

    public int VocabSize => byteOffset + 256;
    public int BosId => Bos;
    public int EosId => Eos;
    public int PadId => Pad;
    public int StartOfTurnId => StartOfTurn;
    public int EndOfTurnId => EndOfTurn;

    public int Byte(char c) => byteOffset + c;

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        var i = 0;
        while (i < text.Length)
        {
            var special = Specials.FirstOrDefault(s => string.CompareOrdinal(text, i, s.Text, 0, s.Text.Length) == 0);
            if (special.Text is not null)
            {
                ids.Add(special.Id);
                i += special.Text.Length;
                continue;
            }

            var next = text.IndexOf('<', i + 1);
            var end = next < 0 ? text.Length : next;
            ids.AddRange(Encoding.UTF8.GetBytes(text[i..end]).Select(b => byteOffset + b));
            i = end;
        }

        return [.. ids];
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id >= byteOffset)
            {
                bytes.Add((byte)(id - byteOffset));
                continue;
            }

            text.Append(Encoding.UTF8.GetString([.. bytes]));
            bytes.Clear();
            text.Append(Specials.First(s => s.Id == id).Text);
        }

        return text.Append(Encoding.UTF8.GetString([.. bytes])).ToString();
    }
}
