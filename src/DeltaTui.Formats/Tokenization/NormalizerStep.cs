using System.Text;

namespace DeltaTui.Formats.Tokenization;

/// <summary>One step of a tokenizer.json "normalizer", applied to the text between added tokens.</summary>
internal abstract class NormalizerStep
{
    public abstract string Apply(string text);

    /// <summary>"Replace" with a literal pattern: every non-overlapping occurrence, left to right.</summary>
    public sealed class Replace(string pattern, string content) : NormalizerStep
    {
        public override string Apply(string text) => text.Replace(pattern, content, StringComparison.Ordinal);
    }

    /// <summary>"Prepend": adds the prefix to non-empty text.</summary>
    public sealed class Prepend(string prefix) : NormalizerStep
    {
        public override string Apply(string text) => text.Length == 0 ? text : prefix + text;
    }

    /// <summary>"NFC", "NFD", "NFKC", "NFKD": Unicode normalisation.</summary>
    public sealed class Unicode(NormalizationForm form) : NormalizerStep
    {
        public override string Apply(string text) => text.Normalize(form);
    }
}
