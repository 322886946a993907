using DeltaTui.Training.Config;
using DeltaTui.Training.Data;
using DeltaTui.Formats.Tokenization;
using TorchSharp;
using Xunit;
using ConfigTruncation = DeltaTui.Training.Config.TruncationMode;
using DataTruncation = DeltaTui.Training.Data.TruncationMode;

namespace DeltaTui.Training.Tests.Data;

public sealed class TrainingDataTests : IDisposable
{
    private readonly DataFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Given_the_embedded_path_When_loaded_Then_the_shipped_eval_file_is_the_held_out_split()
    {
        var tokenizer = new ByteTokenizer();

        var data = TrainingData.Load(new DataOptions { Path = "embedded", MaxLength = 128, EvalFraction = 0.3 }, new TrainingOptions { BatchSize = 8 }, tokenizer, torch.CPU);

        Assert.Equal("embedded:demo/eval.jsonl", data.EvalFile?.Source);
        Assert.Equal(data.Train.Pairs.Count, data.Batches.TrainPairCount);
        Assert.Equal(data.EvalFile!.Pairs.Count, data.Batches.EvalPairCount);
        using var batch = data.Batches.TrainBatch(0, 0);
        Assert.Equal(16, batch.InputIds.shape[0]);
    }

    [Fact]
    public void Given_a_file_without_eval_path_When_loaded_Then_the_eval_fraction_is_split_off_and_config_truncation_applies()
    {
        var rows = Enumerable.Range(0, 10).Select(i => $$"""{"prompt": "Q{{i}}", "chosen": "yes, certainly.", "rejected": "NO!"}""").ToArray();
        var path = files.WriteLines("train.jsonl", rows);
        var options = new DataOptions { Path = path, MaxLength = 30, Truncation = ConfigTruncation.KeepEnd, EvalFraction = 0.2 };

        var data = TrainingData.Load(options, new TrainingOptions { BatchSize = 2 }, new ByteTokenizer(), torch.CPU);

        Assert.Null(data.EvalFile);
        Assert.Equal((8, 2), (data.Batches.TrainPairCount, data.Batches.EvalPairCount));
        Assert.Equal(DataTruncation.KeepEnd, data.Train.Options.Truncation);
        // Prompt 18 byte tokens + chosen 17 = 35: keep_end drops the prompt's first 5 tokens.
        Assert.All(data.Train.Pairs, p => Assert.Equal((13, 30), (p.PromptIds.Length, p.ChosenLength)));
    }

    [Fact]
    public void Given_a_bad_eval_file_When_loaded_Then_the_error_names_that_file_and_line()
    {
        var train = files.WriteLines("train.jsonl", """{"prompt": "Q", "chosen": "yes.", "rejected": "NO!"}""");
        var eval = files.WriteLines("eval.jsonl", """{"prompt": "Q", "chosen": "yes."}""");

        var error = Assert.Throws<PreferenceDataException>(() =>
            TrainingData.Load(new DataOptions { Path = train, EvalPath = eval }, new TrainingOptions(), new ByteTokenizer(), torch.CPU));

        Assert.Contains($"{eval}:1: field 'rejected': is missing", error.Message);
    }
}
