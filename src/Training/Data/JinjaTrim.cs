namespace DeltaTui.Training.Data;

/// <summary>
/// Jinja's <c>trim</c> filter is Python's <c>str.strip()</c>, whose whitespace set differs from
/// <see cref="char.IsWhiteSpace(char)"/>: Python also strips the separators U+001C..U+001F.
/// The chat template must strip exactly what the Hugging Face template strips, or token ids drift.
/// </summary>
internal static class JinjaTrim
{
    public static string Trim(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && IsPythonWhitespace(text[start])) start++;
        while (end > start && IsPythonWhitespace(text[end - 1])) end--;
        return start == 0 && end == text.Length ? text : text[start..end];
    }

    /// <summary>The characters for which Python's <c>str.isspace()</c> is true (all are in the BMP).</summary>
    public static bool IsPythonWhitespace(char c) => c switch
    {
        >= '\u0009' and <= '\u000D' => true,
        >= '\u001C' and <= '\u0020' => true,
        '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };
}
