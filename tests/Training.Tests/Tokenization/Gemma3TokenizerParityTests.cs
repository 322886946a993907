using System.Text.Json;
using DeltaTui.Formats.Tokenization;
using Xunit;

namespace DeltaTui.Training.Tests.Tokenization;

/// <summary>Our Gemma-3 tokenizer against ids, tokens and decodings that Hugging Face tokenizers produced.</summary>
public sealed class Gemma3TokenizerParityTests(RealGemma3Tokenizer real) : IClassFixture<RealGemma3Tokenizer>
{
    public sealed record Case(string Text, int[] Ids, string[] Tokens, string Decoded);

    private static readonly Lazy<Case[]> Cases = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "gemma3-tokenizer-cases.json");
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        return JsonSerializer.Deserialize<Case[]>(File.ReadAllText(path), options)
            ?? throw new InvalidDataException($"{path} holds no cases");
    });

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Value.Length; i++)
            data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Given_a_reference_text_When_encoding_Then_ids_and_tokens_equal_Hugging_Face(int index)
    {
        var reference = Cases.Value[index];

        var ids = real.Tokenizer.Encode(reference.Text);

        Assert.Equal(reference.Ids, ids);
        Assert.Equal(reference.Tokens, ids.Select(id => real.Tokenizer.IdToToken(id)).ToArray());
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Given_reference_ids_When_decoding_Then_the_text_equals_Hugging_Face(int index)
    {
        var reference = Cases.Value[index];

        var decoded = real.Tokenizer.Decode(reference.Ids);

        Assert.Equal(reference.Decoded, decoded);
        Assert.Equal(reference.Text, decoded);
    }

    [Fact]
    public void Given_the_reference_file_When_loading_Then_control_ids_are_Gemmas()
    {
        var tokenizer = real.Tokenizer;

        Assert.Equal((0, 1, 2, 105, 106), (tokenizer.PadId, tokenizer.EosId, tokenizer.BosId, tokenizer.StartOfTurnId, tokenizer.EndOfTurnId));
        // 262,144 model tokens plus <image_soft_token> (262144), which exists only among the added tokens.
        Assert.Equal(262_145, tokenizer.VocabSize);
        Assert.Equal("<image_soft_token>", tokenizer.IdToToken(262_144));
    }

    [Fact]
    public void Given_text_with_bos_When_encoding_Then_bos_appears_only_where_written()
    {
        var ids = real.Tokenizer.Encode("<bos>Hi");

        Assert.Equal(2, ids[0]);
        Assert.Single(ids, id => id == 2);
        Assert.NotEqual(2, real.Tokenizer.Encode("Hi")[0]);
    }

    [Fact]
    public void Given_multilingual_text_When_round_tripping_Then_the_text_comes_back_exactly()
    {
        // Byte fallback (rare CJK, emoji sequences), added tokens (tabs, newlines, HTML tags) and plain words.
        const string text = "Grüße aus Köln! 東京都の𠮷野家で食べた🍜🇯🇵\n\n\tПривет, мир — ελληνικά\r\n" +
                            "<table><tr><td>1</td></tr></table> x²+y²=z² ∑∫√ 👩‍👩‍👧 \u0000\u0007 end  ";

        var ids = real.Tokenizer.Encode(text);

        Assert.Equal(text, real.Tokenizer.Decode(ids));
        Assert.Contains(ids, id => real.Tokenizer.IdToToken(id)!.StartsWith("<0x", StringComparison.Ordinal));
    }
}
