using System.Text.Json.Nodes;
using DeltaTui.Formats.Tokenization;

namespace DeltaTui.Training.Tests.Tokenization;

/// <summary>
/// A hand-made tokenizer.json in Gemma's format, small enough to work out every expected id by hand:
/// Gemma's control tokens, the 256 byte tokens, and a few letters with merges.
/// </summary>
public sealed class TinyTokenizerJson : IDisposable
{
    public const int A = 262, B = 263, C = 264, Space = 265, Ab = 266, Bc = 267, Abc = 268, SpaceA = 269, Q = 270, X = 271, Y = 272,
        AThenSpace = 273, SpaceB = 274, TwoSpaces = 275, Underscore = 276, Marker = 300, XyAdded = 301;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "deltatui-tokenizer-tests-" + Guid.NewGuid().ToString("N"));

    public TinyTokenizerJson() => Directory.CreateDirectory(_directory);

    public static int ByteId(byte b) => 6 + b;

    /// <summary>Gemma-3's layout: normalizer ' ' to '▁', Split on ' ' merged with previous, byte fallback.</summary>
    public static JsonObject Create(JsonArray? merges = null)
    {
        var vocab = new JsonObject
        {
            ["<pad>"] = 0, ["<eos>"] = 1, ["<bos>"] = 2, ["<unk>"] = 3, ["<start_of_turn>"] = 4, ["<end_of_turn>"] = 5,
        };
        for (var b = 0; b < 256; b++)
            vocab[$"<0x{b:X2}>"] = ByteId((byte)b);
        vocab["a"] = A; vocab["b"] = B; vocab["c"] = C; vocab["▁"] = Space; vocab["ab"] = Ab; vocab["bc"] = Bc;
        vocab["abc"] = Abc; vocab["▁a"] = SpaceA; vocab["q"] = Q; vocab["x"] = X; vocab["y"] = Y;
        vocab["a "] = AThenSpace; vocab[" b"] = SpaceB; vocab["  "] = TwoSpaces; vocab[" "] = Underscore;

        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                Added(0, "<pad>", true), Added(1, "<eos>", true), Added(2, "<bos>", true), Added(3, "<unk>", true),
                Added(4, "<start_of_turn>", true), Added(5, "<end_of_turn>", true)),
            ["normalizer"] = new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Split", ["pattern"] = new JsonObject { ["String"] = " " }, ["behavior"] = "MergedWithPrevious", ["invert"] = false,
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = "<unk>", ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = true, ["byte_fallback"] = true, ["ignore_merges"] = false,
                ["vocab"] = vocab,
                // Rank 0 merges b+c before a+b, so "abc" ends as [a, bc] although "ab" comes first in the text.
                ["merges"] = merges ?? new JsonArray(Pair("b", "c"), Pair("a", "b"), Pair("▁", "a"), Pair(" ", " ")),
            },
        };
    }

    public static JsonObject Added(int id, string content, bool special, bool singleWord = false, bool lstrip = false,
        bool rstrip = false, bool normalized = false) =>
        new()
        {
            ["id"] = id, ["content"] = content, ["single_word"] = singleWord, ["lstrip"] = lstrip, ["rstrip"] = rstrip,
            ["normalized"] = normalized, ["special"] = special,
        };

    public static JsonArray Pair(string left, string right) => new(left, right);

    public string Write(string json, string name = "tokenizer.json")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    public Gemma3Tokenizer Load(JsonObject json) => Gemma3Tokenizer.Load(Write(json.ToJsonString()));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
