using DeltaTui.Training.Config;
using DeltaTui.Training.Data;
using DeltaTui.Formats.Tokenization;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

public sealed class RunDataTests : IDisposable
{
    private readonly DataFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Given_the_embedded_path_When_loaded_Then_the_shipped_eval_file_is_the_held_out_split()
    {
        var tokenizer = new ByteTokenizer();
        var options = new PreferenceDataOptions { MaxLength = 128 };

        var data = RunData.Load(new DataOptions { Path = "embedded", MaxLength = 128, EvalFraction = 0.3 }, tokenizer);

        Assert.Equal(EmbeddedDemoData.Load(DemoSplit.Train, tokenizer, options).Pairs.Count, data.Train.Count);
        Assert.Equal(EmbeddedDemoData.Load(DemoSplit.Eval, tokenizer, options).Pairs.Count, data.Eval.Count);
    }

    [Fact]
    public void Given_a_file_without_eval_path_When_loaded_Then_the_eval_fraction_is_split_off_and_config_truncation_applies()
    {
        var rows = Enumerable.Range(0, 10).Select(i => $$"""{"prompt": "Q{{i}}", "chosen": "yes, certainly.", "rejected": "NO!"}""").ToArray();
        var path = files.WriteLines("train.jsonl", rows);
        var options = new DataOptions { Path = path, MaxLength = 30, Truncation = TruncationMode.KeepEnd, EvalFraction = 0.2 };

        var data = RunData.Load(options, new ByteTokenizer());

        Assert.Equal((8, 2), (data.Train.Count, data.Eval.Count));
        // Prompt 18 byte tokens + chosen 17 = 35: keep_end drops the prompt's first 5 tokens.
        Assert.All(data.Train, p => Assert.Equal((13, 30), (p.Prompt.Length, p.Prompt.Length + p.Chosen.Length)));
    }

    [Fact]
    public void Given_a_bad_eval_file_When_loaded_Then_the_error_names_that_file_and_line()
    {
        var train = files.WriteLines("train.jsonl", """{"prompt": "Q", "chosen": "yes.", "rejected": "NO!"}""");
        var eval = files.WriteLines("eval.jsonl", """{"prompt": "Q", "chosen": "yes."}""");

        var error = Assert.Throws<PreferenceDataException>(() =>
            RunData.Load(new DataOptions { Path = train, EvalPath = eval }, new ByteTokenizer()));

        Assert.Contains($"{eval}:1: field 'rejected': is missing", error.Message);
    }
}
