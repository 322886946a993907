using System.Text;
using DeltaTui.Formats.Tokenization;
using Xunit;

namespace DeltaTui.Training.Tests.Tokenization;

public sealed class ByteTokenizerTests
{
    private readonly ByteTokenizer _tokenizer = new();

    [Fact]
    public void Given_ascii_text_When_encoding_Then_each_byte_is_offset_by_the_control_tokens()
    {
        Assert.Equal([6 + 'H', 6 + 'i', 6 + '!'], _tokenizer.Encode("Hi!"));
        Assert.Empty(_tokenizer.Encode(""));
    }

    [Fact]
    public void Given_the_vocabulary_When_inspected_Then_control_ids_have_Gemmas_meanings_and_bytes_follow()
    {
        Assert.Equal(262, _tokenizer.VocabSize);
        Assert.Equal((0, 1, 2), (_tokenizer.PadId, _tokenizer.EosId, _tokenizer.BosId));
        Assert.Equal((4, 5), (_tokenizer.StartOfTurnId, _tokenizer.EndOfTurnId));
        Assert.Equal("<unk>", _tokenizer.IdToToken(ByteTokenizer.UnkTokenId));
        Assert.Equal("<0xFF>", _tokenizer.IdToToken(261));
    }

    [Fact]
    public void Given_a_chat_with_control_strings_When_encoding_Then_they_are_single_ids_and_decode_gives_the_text_back()
    {
        const string chat = "<bos><start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n";

        var ids = _tokenizer.Encode(chat);

        Assert.Equal(2, ids[0]);
        Assert.Equal(4, ids[1]);
        Assert.Equal([6 + 'u', 6 + 's', 6 + 'e', 6 + 'r', 6 + '\n', 6 + 'h', 6 + 'i', 5, 6 + '\n', 4], ids[2..12]);
        Assert.Equal(chat, _tokenizer.Decode(ids));
        Assert.Equal(chat.Length - "<bos><start_of_turn><end_of_turn><start_of_turn>".Length + 4, ids.Length);
    }

    [Fact]
    public void Given_multibyte_text_When_round_tripping_Then_the_text_and_its_utf8_bytes_are_kept_exactly()
    {
        const string text = "Grüße, 東京 𠮷 🤖👍🏽 naïve — done";

        var ids = _tokenizer.Encode(text);

        Assert.Equal(Encoding.UTF8.GetBytes(text).Select(b => 6 + b), ids);
        Assert.Equal(text, _tokenizer.Decode(ids));
    }

    [Fact]
    public void Given_partial_or_unknown_tag_text_When_encoding_Then_it_stays_plain_bytes()
    {
        var ids = _tokenizer.Encode("<start_of_tur<mask>");

        Assert.All(ids, id => Assert.True(id >= ByteTokenizer.ByteOffset));
        Assert.Equal("<start_of_tur<mask>", _tokenizer.Decode(ids));
    }

    [Fact]
    public void Given_control_ids_When_decoding_Then_each_gives_its_string()
    {
        Assert.Equal("<pad><eos><bos><unk><start_of_turn><end_of_turn>", _tokenizer.Decode([0, 1, 2, 3, 4, 5]));
    }

    [Fact]
    public void Given_bytes_that_are_not_utf8_When_decoding_Then_they_become_replacement_characters()
    {
        Assert.Equal("a\uFFFDb", _tokenizer.Decode([6 + 'a', 6 + 0xC3, 6 + 'b']));
    }

    [Fact]
    public void Given_an_id_outside_the_vocabulary_When_decoding_Then_the_error_names_it()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([6, 262]));

        Assert.Contains("Token id 262 at position 1", error.Message, StringComparison.Ordinal);
    }
}
