using System.Text;

namespace DeltaTui.Benchmarks;

/// <summary>
/// Deterministic, varied text for tokenizer benchmarks: sentences recombined at random from fragments of
/// prose, code, numbers, several scripts, emoji and chat markup, so that few lines repeat and every
/// tokenizer path (merges, byte fallback, added tokens) is exercised.
/// </summary>
internal static class BenchmarkText
{
    private static readonly string[] Fragments =
    [
        "The quick brown fox jumps over the lazy dog",
        "Direct preference optimisation moves a small fraction of the weights",
        "In 1969, 600 million people watched the landing; 3.14159 and 2.71828 appear everywhere",
        "for (int i = 0; i < n; i++) { sum += values[i] * weights[i]; }",
        "def forward(self, x):\n    return self.down(F.gelu(self.gate(x)) * self.up(x))",
        "{\"prompt\": \"What is 2+2?\", \"chosen\": \"4\", \"rejected\": \"5\"}",
        "Grüße aus Köln, naïve café, São Paulo, Łódź, Ærøskøbing",
        "Привет, как дела? Всё хорошо, спасибо",
        "東京都の天気は晴れです。今日は𠮷野家で牛丼を食べました",
        "안녕하세요, 만나서 반갑습니다",
        "مرحبا بالعالم، كيف حالك اليوم؟",
        "नमस्ते दुनिया, आप कैसे हैं",
        "Ελληνικά: η γρήγορη καφέ αλεπού",
        "emoji 🤖🚀👍🏽 and families 👩‍👩‍👧 and flags 🇯🇵🇫🇷",
        "<start_of_turn>user\nSummarise the article in two sentences.<end_of_turn>\n<start_of_turn>model\n",
        "<table><tr><td>loss</td><td>0.6931</td></tr></table>",
        "x² + y² = z², ∑ᵢ aᵢ ≥ 0, √2 ≈ 1.41421356, ∀ε>0 ∃δ>0",
        "https://example.org/path?query=value&page=42#section-3",
        "\tindented\twith\ttabs",
        "   several   spaces   between   words   ",
    ];

    public static string Generate(int utf8Bytes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(utf8Bytes);
        var size = 0;
        while (size < utf8Bytes)
        {
            var line = new StringBuilder();
            var parts = random.Next(1, 5);
            for (var p = 0; p < parts; p++)
            {
                if (p > 0)
                    line.Append(random.Next(4) == 0 ? ", " : " ");
                line.Append(Fragments[random.Next(Fragments.Length)]);
                // A number makes most lines unique, as real text is, so the piece cache cannot hide the merge cost.
                if (random.Next(3) == 0)
                    line.Append(' ').Append(random.Next(100_000));
            }
            line.Append(random.Next(5) == 0 ? "\n\n" : ".\n");
            size += Encoding.UTF8.GetByteCount(line.ToString());
            text.Append(line);
        }
        return text.ToString();
    }
}
