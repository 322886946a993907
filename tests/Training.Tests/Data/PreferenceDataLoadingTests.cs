using DeltaTui.Training.Data;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

public sealed class PreferenceDataLoadingTests : IDisposable
{
    private const string Good = """{"prompt": "Q", "chosen": "Yes.", "rejected": "NO!"}""";

    private readonly DataFiles files = new();
    private readonly FakeByteTokenizer tokenizer = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Given_bad_rows_and_skip_bad_rows_When_loading_Then_they_are_skipped_and_counted_by_reason()
    {
        var path = files.WriteLines("mixed.jsonl",
            Good,
            "{",
            """{"prompt": "Q", "rejected": "B"}""",
            Good,
            """{"prompt": "Q", "chosen": "A", "rejected": "A"}""",
            "not json either",
            Good);

        var data = PreferenceDataset.Load(path, tokenizer, new PreferenceDataOptions { SkipBadRows = true });

        Assert.Equal([1, 4, 7], data.Pairs.Select(p => p.Line));
        Assert.Equal([0, 1, 2], data.Pairs.Select(p => p.Index));
        Assert.Equal(7, data.Stats.RowsRead);
        Assert.Equal(3, data.Stats.PairsLoaded);
        Assert.Equal(4, data.Stats.BadRows);
        Assert.Equal(2, data.Stats.BadRowsByReason[BadRowReason.InvalidJson]);
        Assert.Equal(1, data.Stats.BadRowsByReason[BadRowReason.MissingField]);
        Assert.Equal(1, data.Stats.BadRowsByReason[BadRowReason.IdenticalCompletions]);
        Assert.Equal([(2, (string?)null), (3, "chosen"), (5, "rejected"), (6, null)], data.Stats.FirstBadRows.Select(p => (p.Line, p.Field)));
    }

    [Fact]
    public void Given_only_bad_rows_and_skip_bad_rows_When_loading_Then_it_is_refused_for_having_no_valid_rows()
    {
        var path = files.WriteLines("bad.jsonl", "{", """{"prompt": "Q"}""");

        var error = Assert.Throws<PreferenceDataException>(() =>
            PreferenceDataset.Load(path, tokenizer, new PreferenceDataOptions { SkipBadRows = true }));

        Assert.Equal($"{path}: no usable pairs among 2 rows: 1 InvalidJson, 1 MissingField", error.Message);
    }

    [Fact]
    public void Given_a_string_row_When_loaded_Then_the_prompt_is_one_user_turn_and_each_answer_a_model_turn()
    {
        var path = files.WriteLines("strings.jsonl", """{"prompt": " Q ", "chosen": "Yes.", "rejected": "NO!"}""");

        var pair = Assert.Single(PreferenceDataset.Load(path, tokenizer).Pairs);

        Assert.Equal("<bos><start_of_turn>user\nQ<end_of_turn>\n<start_of_turn>model\n", tokenizer.Decode(pair.PromptIds.AsSpan()));
        Assert.Equal("Yes.<end_of_turn>\n", tokenizer.Decode(pair.ChosenIds.AsSpan()));
        Assert.Equal("NO!<end_of_turn>\n", tokenizer.Decode(pair.RejectedIds.AsSpan()));
    }

    [Fact]
    public void Given_the_same_pair_as_strings_and_as_messages_When_loaded_Then_the_token_ids_are_identical()
    {
        var path = files.WriteLines("both.jsonl",
            """{"prompt": "Q", "chosen": "Yes.", "rejected": "NO!"}""",
            """{"prompt": [{"role": "user", "content": "Q"}], "chosen": [{"role": "assistant", "content": "Yes."}], "rejected": [{"role": "assistant", "content": "NO!"}]}""");

        var pairs = PreferenceDataset.Load(path, tokenizer).Pairs;

        Assert.Equal(pairs[0].PromptIds, pairs[1].PromptIds);
        Assert.Equal(pairs[0].ChosenIds, pairs[1].ChosenIds);
        Assert.Equal(pairs[0].RejectedIds, pairs[1].RejectedIds);
    }

    [Fact]
    public void Given_a_conversation_with_system_and_history_When_loaded_Then_it_is_rendered_with_the_chat_template()
    {
        var path = files.WriteLines("chat.jsonl",
            """{"prompt": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "2+2?"}], "chosen": [{"role": "assistant", "content": "4."}], "rejected": [{"role": "model", "content": "FIVE!"}], "id": 17}""");

        var pair = Assert.Single(PreferenceDataset.Load(path, tokenizer).Pairs);

        Assert.Equal(
            "<bos><start_of_turn>user\nBe kind.\n\nHi.<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n",
            tokenizer.Decode(pair.PromptIds.AsSpan()));
        Assert.Equal("4.<end_of_turn>\n", tokenizer.Decode(pair.ChosenIds.AsSpan()));
        Assert.Equal("FIVE!<end_of_turn>\n", tokenizer.Decode(pair.RejectedIds.AsSpan()));
    }

    [Fact]
    public void Given_the_raw_string_format_When_loaded_Then_bos_precedes_the_prompt_and_eos_ends_each_answer()
    {
        var path = files.WriteLines("raw.jsonl", """{"prompt": "Q: ", "chosen": "yes", "rejected": "NO"}""");

        var pair = Assert.Single(PreferenceDataset.Load(path, tokenizer, new PreferenceDataOptions { StringFormat = StringPairFormat.Raw }).Pairs);

        Assert.Equal([FakeByteTokenizer.Bos, tokenizer.Byte('Q'), tokenizer.Byte(':'), tokenizer.Byte(' ')], pair.PromptIds);
        Assert.Equal([tokenizer.Byte('y'), tokenizer.Byte('e'), tokenizer.Byte('s'), FakeByteTokenizer.Eos], pair.ChosenIds);
        Assert.Equal([tokenizer.Byte('N'), tokenizer.Byte('O'), FakeByteTokenizer.Eos], pair.RejectedIds);
    }
}
