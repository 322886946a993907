using System.Globalization;
using System.Text;

namespace DeltaTui.Formats.Tokenization;

/// <summary>One step of a tokenizer.json "decoder": rewrites the list of token strings in place.</summary>
internal abstract class DecoderStep
{
    public abstract void Apply(List<string> tokens);

    /// <summary>"Replace" with a literal pattern, in every token (Gemma: '▁' back to ' ').</summary>
    public sealed class Replace(string pattern, string content) : DecoderStep
    {
        public override void Apply(List<string> tokens)
        {
            for (var i = 0; i < tokens.Count; i++)
                tokens[i] = tokens[i].Replace(pattern, content, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// "ByteFallback": runs of "&lt;0xNN&gt;" tokens become the UTF-8 text they spell; a run that is not valid
    /// UTF-8 becomes one U+FFFD per byte, as Hugging Face does.
    /// </summary>
    public sealed class ByteFallback : DecoderStep
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public override void Apply(List<string> tokens)
        {
            var output = new List<string>(tokens.Count);
            var bytes = new List<byte>();
            foreach (var token in tokens)
            {
                if (TryParseByte(token, out var b))
                {
                    bytes.Add(b);
                    continue;
                }
                Flush(bytes, output);
                output.Add(token);
            }
            Flush(bytes, output);
            tokens.Clear();
            tokens.AddRange(output);
        }

        private static bool TryParseByte(string token, out byte value)
        {
            value = 0;
            return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        private static void Flush(List<byte> bytes, List<string> output)
        {
            if (bytes.Count == 0)
                return;
            try
            {
                output.Add(StrictUtf8.GetString(bytes.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                for (var i = 0; i < bytes.Count; i++)
                    output.Add("\uFFFD");
            }
            bytes.Clear();
        }
    }

    /// <summary>"Fuse": joins all tokens into one.</summary>
    public sealed class Fuse : DecoderStep
    {
        public override void Apply(List<string> tokens)
        {
            var joined = string.Concat(tokens);
            tokens.Clear();
            tokens.Add(joined);
        }
    }

    /// <summary>"Strip": removes up to <c>start</c> leading and <c>stop</c> trailing <c>content</c> characters per token.</summary>
    public sealed class Strip(char content, int start, int stop) : DecoderStep
    {
        public override void Apply(List<string> tokens)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                var token = tokens[i];
                var from = 0;
                while (from < start && from < token.Length && token[from] == content)
                    from++;
                var to = token.Length;
                for (var k = 0; k < stop && to > from && token[to - 1] == content; k++)
                    to--;
                tokens[i] = token[from..to];
            }
        }
    }
}
