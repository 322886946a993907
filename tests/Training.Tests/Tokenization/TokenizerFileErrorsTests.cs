using System.Text.Json.Nodes;
using DeltaTui.Formats.Tokenization;
using Xunit;
using static DeltaTui.Training.Tests.Tokenization.TinyTokenizerJson;

namespace DeltaTui.Training.Tests.Tokenization;

/// <summary>Broken or unsupported tokenizer.json files give an error that names the file and what is wrong.</summary>
public sealed class TokenizerFileErrorsTests : IDisposable
{
    private readonly TinyTokenizerJson _files = new();

    public void Dispose() => _files.Dispose();

    public static TheoryData<string, string> BrokenFiles() => new()
    {
        { "not json at all", "not valid JSON" },
        { "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0", "not valid JSON" },
        { "[]", "top level must be a JSON object" },
        { "{\"version\": \"1.0\"}", "no \"model\" section" },
        { "{\"model\": {\"type\": \"BPE\", \"merges\": []}}", "model.vocab is missing" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Given_a_file_that_is_not_a_tokenizer_When_loading_Then_the_error_names_file_and_problem(string content, string expected)
    {
        var path = _files.Write(content);

        var error = Assert.Throws<TokenizerFormatException>(() => Gemma3Tokenizer.Load(path));

        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.FilePath);
    }

    public static TheoryData<string, string> Mutations() => new()
    {
        { "model.type=Unigram", "model.type is \"Unigram\"; only \"BPE\"" },
        { "model.dropout=0.1", "model.dropout" },
        { "model.continuing_subword_prefix=##", "model.continuing_subword_prefix" },
        { "model.unk_token=<missing>", "model.unk_token \"<missing>\" is not in model.vocab" },
        { "model.vocab.a=-1", "model.vocab[\"a\"] must be an integer id" },
        { "model.vocab.a=text", "model.vocab[\"a\"] must be an integer id" },
        { "merge=z c", "model.merges[1] uses \"z\", which is not in model.vocab" },
        { "merge=c b", "model.merges[1] uses \"cb\", which is not in model.vocab" },
        { "merge=abc", "model.merges[1] \"abc\" is not two tokens separated by one space" },
        { "merge=[1]", "model.merges[1] must be a \"a b\" string or a [\"a\", \"b\"] pair" },
        { "added_tokens[0].content=", "added_tokens[0].content is empty" },
        { "added_tokens[0].id=-5", "added_tokens[0].id must be an integer" },
        { "normalizer.type=BertNormalizer", "normalizer.type \"BertNormalizer\" is not supported" },
        { "pre_tokenizer.regex", "pre_tokenizer.pattern is a Regex" },
        { "pre_tokenizer.behavior=Sideways", "pre_tokenizer.behavior \"Sideways\" is not a known split behavior" },
        { "decoder.type=WordPiece", "decoder.decoders[0].type \"WordPiece\" is not supported" },
        { "no <end_of_turn>", "the Gemma control token \"<end_of_turn>\"" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Given_a_tokenizer_with_one_bad_field_When_loading_Then_the_error_names_the_file_and_the_field(string mutation, string expected)
    {
        var json = Create();
        Mutate(json, mutation);
        var path = _files.Write(json.ToJsonString());

        var error = Assert.Throws<TokenizerFormatException>(() => Gemma3Tokenizer.Load(path));

        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_missing_file_When_loading_Then_the_error_names_it()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "tokenizer.json");

        var error = Assert.Throws<TokenizerFormatException>(() => Gemma3Tokenizer.Load(path));

        Assert.StartsWith(path + ": cannot read the tokenizer file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_snapshot_folder_When_loading_Then_its_tokenizer_json_is_read_or_named_as_missing()
    {
        var path = _files.Write(Create().ToJsonString());
        var folder = Path.GetDirectoryName(path)!;

        Assert.Equal([A, Bc], Gemma3Tokenizer.Load(folder).Encode("abc"));
        File.Delete(path);
        var error = Assert.Throws<TokenizerFormatException>(() => Gemma3Tokenizer.Load(folder));
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void Given_merges_written_before_the_vocabulary_When_loading_Then_they_still_resolve()
    {
        var json = Create();
        var model = (JsonObject)json["model"]!;
        var merges = model["merges"]!.DeepClone();
        var vocab = model["vocab"]!.DeepClone();
        model.Remove("merges");
        model.Remove("vocab");
        model["merges"] = merges;
        model["vocab"] = vocab;
        var tokenizer = _files.Load(json);

        Assert.Equal([A, Bc], tokenizer.Encode("abc"));
    }

    private static void Mutate(JsonObject json, string mutation)
    {
        var model = (JsonObject)json["model"]!;
        var merges = (JsonArray)model["merges"]!;
        var firstAdded = (JsonObject)json["added_tokens"]![0]!;
        switch (mutation)
        {
            case "model.type=Unigram": model["type"] = "Unigram"; break;
            case "model.dropout=0.1": model["dropout"] = 0.1; break;
            case "model.continuing_subword_prefix=##": model["continuing_subword_prefix"] = "##"; break;
            case "model.unk_token=<missing>": model["unk_token"] = "<missing>"; break;
            case "model.vocab.a=-1": model["vocab"]!["a"] = -1; break;
            case "model.vocab.a=text": model["vocab"]!["a"] = "text"; break;
            case "merge=z c": merges[1] = Pair("z", "c"); break;
            case "merge=c b": merges[1] = Pair("c", "b"); break;
            case "merge=abc": merges[1] = "abc"; break;
            case "merge=[1]": merges[1] = new JsonArray(1); break;
            case "added_tokens[0].content=": firstAdded["content"] = ""; break;
            case "added_tokens[0].id=-5": firstAdded["id"] = -5; break;
            case "normalizer.type=BertNormalizer": json["normalizer"] = new JsonObject { ["type"] = "BertNormalizer" }; break;
            case "pre_tokenizer.regex": json["pre_tokenizer"]!["pattern"] = new JsonObject { ["Regex"] = "\\s+" }; break;
            case "pre_tokenizer.behavior=Sideways": json["pre_tokenizer"]!["behavior"] = "Sideways"; break;
            case "decoder.type=WordPiece": ((JsonArray)json["decoder"]!["decoders"]!)[0] = new JsonObject { ["type"] = "WordPiece" }; break;
            case "no <end_of_turn>":
                ((JsonArray)json["added_tokens"]!).RemoveAt(5);
                ((JsonObject)model["vocab"]!).Remove("<end_of_turn>");
                break;
            default: throw new ArgumentException($"unknown mutation {mutation}", nameof(mutation));
        }
    }
}
