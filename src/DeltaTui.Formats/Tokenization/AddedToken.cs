namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// A token matched in the text before the model sees it, with Hugging Face's matching flags:
/// <paramref name="SingleWord"/> only matches when not inside a word, <paramref name="LStrip"/> and
/// <paramref name="RStrip"/> swallow neighbouring whitespace, <paramref name="Normalized"/> tokens match the
/// normalised text instead of the raw text, <paramref name="Special"/> marks control tokens such as &lt;bos&gt;.
/// </summary>
public sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool SingleWord = false,
    bool LStrip = false,
    bool RStrip = false,
    bool Normalized = false);
