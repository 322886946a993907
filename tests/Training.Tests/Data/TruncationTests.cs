using DeltaTui.Training.Data;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

/// <summary>
/// Raw string format with the fake byte tokenizer: prompt "abc" is [bos a b c] (4 tokens), chosen "defgh" is
/// [d e f g h eos] (6), rejected "xy" is [x y eos] (3).
/// </summary>
public sealed class TruncationTests : IDisposable
{
    private const string Row = """{"prompt": "abc", "chosen": "defgh", "rejected": "xy"}""";

    private readonly DataFiles files = new();
    private readonly FakeByteTokenizer tokenizer = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Given_keep_start_When_the_pair_is_too_long_Then_the_completion_loses_its_end()
    {
        var data = Load(Row, maxLength: 7, TruncationMode.KeepStart);

        var pair = Assert.Single(data.Pairs);
        Assert.Equal(Ids("<bos>abc"), pair.PromptIds);
        Assert.Equal(Ids("def"), pair.ChosenIds);
        Assert.Equal(Ids("xy<eos>"), pair.RejectedIds);
        Assert.True(pair.Truncated);
        Assert.Equal(1, data.Stats.TruncatedPairs);
    }

    [Fact]
    public void Given_keep_end_When_the_pair_is_too_long_Then_the_shared_prompt_loses_its_start_for_the_longer_answer()
    {
        var data = Load(Row, maxLength: 7, TruncationMode.KeepEnd);

        var pair = Assert.Single(data.Pairs);
        Assert.Equal(Ids("c"), pair.PromptIds);
        Assert.Equal(Ids("defgh<eos>"), pair.ChosenIds);
        Assert.Equal(Ids("xy<eos>"), pair.RejectedIds);
        Assert.True(pair.Truncated);
    }

    [Fact]
    public void Given_keep_end_When_an_answer_alone_does_not_fit_Then_one_prompt_token_stays_and_the_answer_loses_its_end()
    {
        var data = Load("""{"prompt": "a", "chosen": "defgh", "rejected": "xy"}""", maxLength: 4, TruncationMode.KeepEnd);

        var pair = Assert.Single(data.Pairs);
        Assert.Equal(Ids("a"), pair.PromptIds);
        Assert.Equal(Ids("def"), pair.ChosenIds);
        Assert.Equal(Ids("xy<eos>"), pair.RejectedIds);
    }

    [Fact]
    public void Given_a_pair_that_fits_When_loading_Then_nothing_is_cut()
    {
        var data = Load(Row, maxLength: 10, TruncationMode.KeepStart);

        var pair = Assert.Single(data.Pairs);
        Assert.Equal((4, 6, 3, false), (pair.PromptIds.Length, pair.ChosenIds.Length, pair.RejectedIds.Length, pair.Truncated));
        Assert.Equal(0, data.Stats.TruncatedPairs);
    }

    [Theory]
    [InlineData(TruncationMode.KeepStart)]
    [InlineData(TruncationMode.KeepEnd)]
    public void Given_a_prompt_that_reaches_max_length_When_loading_Then_the_pair_is_skipped_and_counted(TruncationMode mode)
    {
        var path = files.WriteLines("long.jsonl",
            """{"prompt": "abcd", "chosen": "y", "rejected": "n"}""",
            """{"prompt": "ab", "chosen": "y", "rejected": "n"}""");

        var data = PreferenceDataset.Load(path, tokenizer, Options(maxLength: 5, mode));

        Assert.Equal([2], data.Pairs.Select(p => p.Line));
        Assert.Equal(1, data.Stats.SkippedPromptTooLong);
        Assert.Equal(0, data.Stats.BadRows);
    }

    [Fact]
    public void Given_every_prompt_reaching_max_length_When_loading_Then_it_is_refused_naming_max_length()
    {
        var path = files.WriteLines("all-long.jsonl", """{"prompt": "abcd", "chosen": "y", "rejected": "n"}""");

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer, Options(maxLength: 5, TruncationMode.KeepStart)));

        Assert.Contains("1 with a prompt of max_length=5 tokens or more", error.Message);
    }

    private PreferenceDataset Load(string row, int maxLength, TruncationMode mode) =>
        PreferenceDataset.Load(files.WriteLines("row.jsonl", row), tokenizer, Options(maxLength, mode));

    private static PreferenceDataOptions Options(int maxLength, TruncationMode mode) =>
        new() { MaxLength = maxLength, Truncation = mode, StringFormat = StringPairFormat.Raw };

    private int[] Ids(string text) => tokenizer.Encode(text);
}
