namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// Text to token ids and back. Encode recognises special-token strings in the text
/// ("&lt;bos&gt;", "&lt;start_of_turn&gt;", ...) and never adds a BOS by itself: the chat template writes it.
/// </summary>
public interface ITokenizer
{
    int VocabSize { get; }
    int BosId { get; }
    int EosId { get; }
    int PadId { get; }
    int StartOfTurnId { get; }
    int EndOfTurnId { get; }

    int[] Encode(string text);

    string Decode(ReadOnlySpan<int> ids);
}
