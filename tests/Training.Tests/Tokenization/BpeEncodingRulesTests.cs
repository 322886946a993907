using System.Text.Json.Nodes;
using Xunit;
using static DeltaTui.Training.Tests.Tokenization.TinyTokenizerJson;

namespace DeltaTui.Training.Tests.Tokenization;

/// <summary>
/// Hugging Face's BPE rules on a hand-made tokenizer.json, each expected id sequence worked out by hand from
/// the tiny vocabulary and merges in <see cref="TinyTokenizerJson"/>.
/// </summary>
public sealed class BpeEncodingRulesTests : IDisposable
{
    private readonly TinyTokenizerJson _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Given_merges_ranked_b_c_before_a_b_When_encoding_abc_Then_the_lower_rank_wins_over_the_leftmost_pair()
    {
        var tokenizer = _files.Load(Create());

        Assert.Equal([A, Bc], tokenizer.Encode("abc"));
        Assert.Equal([Ab, Ab], tokenizer.Encode("abab"));
    }

    [Fact]
    public void Given_the_space_normalizer_When_encoding_Then_spaces_become_the_word_marker_and_merge_with_the_next_letter()
    {
        var tokenizer = _files.Load(Create());

        Assert.Equal([C, SpaceA], tokenizer.Encode("c a"));
        Assert.Equal("c a", tokenizer.Decode([C, SpaceA]));
    }

    [Fact]
    public void Given_a_character_outside_the_vocabulary_When_encoding_Then_its_utf8_bytes_are_used_and_decode_restores_it()
    {
        var tokenizer = _files.Load(Create());

        var ids = tokenizer.Encode("aé");

        Assert.Equal([A, ByteId(0xC3), ByteId(0xA9)], ids);
        Assert.Equal("aé", tokenizer.Decode(ids));
    }

    [Fact]
    public void Given_byte_tokens_that_are_not_utf8_When_decoding_Then_each_byte_of_the_broken_run_becomes_a_replacement_char()
    {
        var tokenizer = _files.Load(Create());

        Assert.Equal("\uFFFD", tokenizer.Decode([ByteId(0xC3)]));
        Assert.Equal("\uFFFD\uFFFD", tokenizer.Decode([ByteId(0xC3), ByteId(0x41)]));
        Assert.Equal("\uFFFDa\uFFFD", tokenizer.Decode([ByteId(0xC3), A, ByteId(0xA9)]));
    }

    [Fact]
    public void Given_merges_as_a_b_strings_with_a_version_line_When_encoding_Then_ids_equal_those_of_pair_merges()
    {
        var asPairs = _files.Load(Create(new JsonArray(Pair("b", "c"), Pair("a", "b"), Pair("▁", "a"))));
        var asStrings = _files.Load(Create(new JsonArray("#version: 0.2", "b c", "a b", "▁ a")));

        foreach (var text in new[] { "abc", "abab", "c a", "a b c", " aé " })
            Assert.Equal(asPairs.Encode(text), asStrings.Encode(text));
        Assert.Equal([A, Bc], asStrings.Encode("abc"));
    }

    [Fact]
    public void Given_ignore_merges_When_a_whole_piece_is_in_the_vocabulary_Then_it_is_one_token()
    {
        var json = Create();
        json["model"]!["ignore_merges"] = true;
        var tokenizer = _files.Load(json);

        Assert.Equal([Abc], tokenizer.Encode("abc"));
        Assert.Equal([A, Bc, C], tokenizer.Encode("abcc"));
    }

    [Fact]
    public void Given_no_byte_fallback_When_characters_are_unknown_Then_unk_is_used_and_fused_per_run()
    {
        var json = Create();
        json["model"]!["byte_fallback"] = false;
        var fused = _files.Load(json);
        json["model"]!["fuse_unk"] = false;
        var unfused = _files.Load(json);

        Assert.Equal([A, 3, B], fused.Encode("aéèb"));
        Assert.Equal([A, 3, 3, B], unfused.Encode("aéèb"));
    }

    public static TheoryData<string?, int[]> SplitBehaviors() => new()
    {
        { null, [AThenSpace, SpaceB] },
        { "Removed", [A, B] },
        { "Isolated", [A, Underscore, Underscore, B] },
        { "MergedWithPrevious", [AThenSpace, Underscore, B] },
        { "MergedWithNext", [A, Underscore, SpaceB] },
        { "Contiguous", [A, TwoSpaces, B] },
    };

    [Theory]
    [MemberData(nameof(SplitBehaviors))]
    public void Given_a_split_pre_tokenizer_on_spaces_When_encoding_two_spaces_Then_pieces_follow_the_behavior(string? behavior, int[] expected)
    {
        // Without the normalizer the spaces stay spaces; merges a+' ' (0), ' '+b (1), ' '+' ' (2) show the piece borders.
        var json = Create(new JsonArray(Pair("a", " "), Pair(" ", "b"), Pair(" ", " ")));
        json["normalizer"] = null;
        if (behavior is null)
            json["pre_tokenizer"] = null;
        else
            json["pre_tokenizer"]!["behavior"] = behavior;
        var tokenizer = _files.Load(json);

        Assert.Equal(expected, tokenizer.Encode("a  b"));
    }

    [Fact]
    public void Given_an_lstrip_added_token_When_spaces_precede_it_Then_they_are_part_of_the_token()
    {
        var tokenizer = _files.Load(WithAdded(Added(Marker, "<m>", special: true, lstrip: true)));
        var plain = _files.Load(WithAdded(Added(Marker, "<m>", special: true)));

        Assert.Equal([A, Marker, B], tokenizer.Encode("a  <m>b"));
        Assert.Equal([A, Space, Marker, B], plain.Encode("a <m>b"));
    }

    [Fact]
    public void Given_an_rstrip_added_token_When_spaces_follow_it_Then_they_are_part_of_the_token()
    {
        var tokenizer = _files.Load(WithAdded(Added(Marker, "<m>", special: true, rstrip: true)));
        var plain = _files.Load(WithAdded(Added(Marker, "<m>", special: true)));

        Assert.Equal([A, Marker, B], tokenizer.Encode("a<m> b"));
        Assert.Equal([A, Marker, Space, B], plain.Encode("a<m> b"));
    }

    [Fact]
    public void Given_a_single_word_added_token_When_it_touches_a_word_Then_it_is_not_matched()
    {
        var tokenizer = _files.Load(WithAdded(Added(Marker, "<m>", special: false, singleWord: true)));

        Assert.Equal([A, ByteId((byte)'<'), ByteId((byte)'m'), ByteId((byte)'>'), B], tokenizer.Encode("a<m>b"));
        Assert.Equal([A, Space, Marker, Space, B], tokenizer.Encode("a <m> b"));
    }

    [Fact]
    public void Given_a_normalized_added_token_When_the_normalised_text_contains_it_Then_it_is_matched_there()
    {
        var tokenizer = _files.Load(WithAdded(Added(XyAdded, "x y", special: false, normalized: true)));

        Assert.Equal([XyAdded], tokenizer.Encode("x y"));
        Assert.Equal([XyAdded], tokenizer.Encode("x▁y"));
        Assert.Equal("x y", tokenizer.Decode([XyAdded]));
    }

    [Fact]
    public void Given_overlapping_added_tokens_When_encoding_Then_the_leftmost_longest_match_wins()
    {
        var json = WithAdded(Added(Marker, "<m", special: false));
        ((JsonArray)json["added_tokens"]!).Add(Added(XyAdded, "<m>", special: false));
        var tokenizer = _files.Load(json);

        Assert.Equal([A, XyAdded, Marker, B], tokenizer.Encode("a<m><mb"));
    }

    [Fact]
    public void Given_control_token_strings_When_encoding_Then_they_are_single_ids_and_no_bos_is_added()
    {
        var tokenizer = _files.Load(Create());

        Assert.Equal([4, A, 5], tokenizer.Encode("<start_of_turn>a<end_of_turn>"));
        Assert.Equal([A], tokenizer.Encode("a"));
        Assert.Equal((0, 1, 2, 4, 5), (tokenizer.PadId, tokenizer.EosId, tokenizer.BosId, tokenizer.StartOfTurnId, tokenizer.EndOfTurnId));
    }

    [Fact]
    public void Given_a_sequence_normalizer_with_prepend_When_encoding_Then_the_marker_is_added_before_the_text()
    {
        var json = Create();
        json["normalizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["normalizers"] = new JsonArray(
                new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
                new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }),
        };
        var tokenizer = _files.Load(json);

        Assert.Equal([SpaceA, Space, B], tokenizer.Encode("a b"));
        Assert.Empty(tokenizer.Encode(""));
    }

    [Fact]
    public void Given_a_strip_decoder_When_decoding_Then_one_leading_space_is_removed_per_token()
    {
        var json = Create();
        ((JsonArray)json["decoder"]!["decoders"]!).Add(new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 });
        var tokenizer = _files.Load(json);

        Assert.Equal("a", tokenizer.Decode([SpaceA]));
        Assert.Equal("a a", tokenizer.Decode([SpaceA, SpaceA]));
    }

    private static JsonObject WithAdded(JsonObject token)
    {
        var json = Create();
        ((JsonArray)json["added_tokens"]!).Add(token);
        return json;
    }
}
