using DeltaTui.Training.Data;
using DeltaTui.Formats.Tokenization;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

public class EmbeddedDemoDataTests
{
    private static readonly PreferenceDataOptions DemoOptions = new() { MaxLength = 128 };

    [Theory]
    [InlineData(DemoSplit.Train)]
    [InlineData(DemoSplit.Eval)]
    public void Given_the_embedded_split_When_loaded_at_128_byte_tokens_Then_every_row_is_valid_and_nothing_is_cut(DemoSplit split)
    {
        var data = EmbeddedDemoData.Load(split, new ByteTokenizer(), DemoOptions);

        Assert.Equal(0, data.Stats.BadRows);
        Assert.Equal(0, data.Stats.SkippedPromptTooLong);
        Assert.Equal(0, data.Stats.TruncatedPairs);
        Assert.Equal(data.Stats.RowsRead, data.Pairs.Count);
        Assert.Equal($"embedded:demo/{split.ToString().ToLowerInvariant()}.jsonl", data.Source);
    }

    [Fact]
    public void Given_both_splits_When_loaded_Then_there_are_a_few_hundred_pairs_with_ten_to_fifteen_percent_held_out_and_no_row_in_both()
    {
        var tokenizer = new ByteTokenizer();
        var train = EmbeddedDemoData.Load(DemoSplit.Train, tokenizer, DemoOptions).Pairs;
        var eval = EmbeddedDemoData.Load(DemoSplit.Eval, tokenizer, DemoOptions).Pairs;

        var total = train.Count + eval.Count;
        Assert.InRange(total, 400, 600);
        Assert.InRange(eval.Count / (double)total, 0.10, 0.15);
        var trainRows = train.Select(p => tokenizer.Decode([.. p.PromptIds, .. p.ChosenIds])).ToHashSet();
        Assert.DoesNotContain(eval, p => trainRows.Contains(tokenizer.Decode([.. p.PromptIds, .. p.ChosenIds])));
    }

    [Fact]
    public void Given_the_training_split_When_reading_the_answers_Then_chosen_ones_end_politely_and_rejected_ones_are_shouted()
    {
        var tokenizer = new ByteTokenizer();
        var pairs = EmbeddedDemoData.Load(DemoSplit.Train, tokenizer, DemoOptions).Pairs;

        Assert.All(pairs, pair =>
        {
            var chosen = tokenizer.Decode(pair.ChosenIds.AsSpan());
            var rejected = tokenizer.Decode(pair.RejectedIds.AsSpan());
            Assert.EndsWith(".<end_of_turn>\n", chosen);
            Assert.EndsWith("!<end_of_turn>\n", rejected);
            var shouted = rejected[..^"<end_of_turn>\n".Length];
            Assert.Equal(shouted.ToUpperInvariant(), shouted);
        });
    }

    [Fact]
    public void Given_the_training_split_When_counting_forms_Then_both_string_and_conversational_rows_are_present()
    {
        using var data = EmbeddedDemoData.Open(DemoSplit.Train);
        var lines = new StreamReader(data.Stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var conversational = lines.Count(l => l.StartsWith("""{"prompt": [""", StringComparison.Ordinal));

        Assert.InRange(conversational, lines.Length / 4, lines.Length * 3 / 4);
        Assert.Contains(lines, l => l.Contains("\"role\": \"system\""));
    }
}
