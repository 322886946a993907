using System.Text;
using DeltaTui.Training.Data;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

public sealed class PreferenceDataValidationTests : IDisposable
{
    private const string Good = """{"prompt": "What is 2 plus 2?", "chosen": "4.", "rejected": "5!"}""";

    private readonly DataFiles files = new();
    private readonly FakeByteTokenizer tokenizer = new();

    public void Dispose() => files.Dispose();

    [Theory]
    [InlineData("""{"prompt": "Q", "chosen": "A", "rejected": "B" """, null, BadRowReason.InvalidJson, "invalid JSON")]
    [InlineData("""["Q", "A", "B"]""", null, BadRowReason.WrongType, "expected a JSON object")]
    [InlineData("""{"prompt": "Q", "chosen": "A", "rejected": "B", "chosen": "C"}""", null, BadRowReason.InvalidJson, "invalid JSON")]
    [InlineData("""{"prompt": "Q", "rejected": "B"}""", "chosen", BadRowReason.MissingField, "is missing")]
    [InlineData("""{"prompt": null, "chosen": "A", "rejected": "B"}""", "prompt", BadRowReason.MissingField, "is null")]
    [InlineData("""{"prompt": "Q", "chosen": "A", "rejected": ""}""", "rejected", BadRowReason.EmptyField, "is empty")]
    [InlineData("""{"prompt": " \t ", "chosen": "A", "rejected": "B"}""", "prompt", BadRowReason.EmptyField, "only whitespace")]
    [InlineData("""{"prompt": "Q", "chosen": 4, "rejected": "B"}""", "chosen", BadRowReason.WrongType, "expected a string because 'prompt' is a string, got a number")]
    [InlineData("""{"prompt": {"text": "Q"}, "chosen": "A", "rejected": "B"}""", "prompt", BadRowReason.WrongType, "got an object")]
    [InlineData("""{"prompt": [{"role": "user", "content": "Q"}], "chosen": "A", "rejected": "B"}""", "chosen", BadRowReason.WrongType, "expected a list of messages because 'prompt' is a list of messages")]
    [InlineData("""{"prompt": [], "chosen": [], "rejected": []}""", "prompt", BadRowReason.EmptyField, "empty list")]
    [InlineData("""{"prompt": [{"role": "user", "content": 7}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}""", "prompt[0].content", BadRowReason.WrongType, "expected a string")]
    [InlineData("""{"prompt": [{"content": "Q"}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}""", "prompt[0].role", BadRowReason.MissingField, "is missing")]
    [InlineData("""{"prompt": [{"role": "user", "content": "Q"}], "chosen": ["A"], "rejected": [{"role": "assistant", "content": "B"}]}""", "chosen[0]", BadRowReason.WrongType, "expected a message object")]
    [InlineData("""{"prompt": [{"role": "user", "content": "Q"}, {"role": "user", "content": "Q2"}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}""", "prompt[1].role", BadRowReason.InvalidConversation, "expected an 'assistant' turn")]
    [InlineData("""{"prompt": [{"role": "user", "content": "Q"}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "user", "content": "B"}]}""", "rejected[0].role", BadRowReason.InvalidConversation, "expected an 'assistant' turn")]
    [InlineData("""{"prompt": "Q", "chosen": "Same.", "rejected": " Same. "}""", "rejected", BadRowReason.IdenticalCompletions, "identical to 'chosen'")]
    public void Given_a_bad_row_When_loading_Then_the_error_names_file_line_and_field(string badRow, string? field, BadRowReason reason, string message)
    {
        var path = files.WriteLines("data.jsonl", Good, badRow, Good);

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        var problem = Assert.Single(error.Problems);
        Assert.Equal((path, 2, field, reason), (problem.File, problem.Line, problem.Field, problem.Reason));
        Assert.Contains(message, problem.Message);
        var location = field is null ? $"{path}:2: " : $"{path}:2: field '{field}': ";
        Assert.Contains(location + problem.Message, error.Message);
    }

    [Fact]
    public void Given_an_empty_file_When_loading_Then_it_is_refused_as_empty()
    {
        var path = files.Write("empty.jsonl", "");

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        Assert.Equal($"{path}: the file is empty", error.Message);
    }

    [Fact]
    public void Given_a_file_with_only_a_byte_order_mark_When_loading_Then_it_is_refused_as_empty()
    {
        var path = files.WriteBytes("bom-only.jsonl", Encoding.UTF8.GetPreamble());

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        Assert.Equal($"{path}: the file is empty", error.Message);
    }

    [Fact]
    public void Given_only_blank_lines_When_loading_Then_it_is_refused_for_having_no_rows()
    {
        var path = files.Write("blank.jsonl", "\n  \r\n\t\n");

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        Assert.Contains("no rows", error.Message);
    }

    [Fact]
    public void Given_a_latin1_byte_in_a_row_When_loading_Then_the_line_is_reported_as_not_utf8()
    {
        var latin1 = Encoding.Latin1.GetBytes("""{"prompt": "Café?", "chosen": "Yes.", "rejected": "NO!"}""" + "\n");
        var path = files.WriteBytes("latin1.jsonl", [.. Encoding.UTF8.GetBytes(Good + "\n"), .. latin1]);

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        var problem = Assert.Single(error.Problems);
        Assert.Equal((2, BadRowReason.InvalidUtf8), (problem.Line, problem.Reason));
        Assert.Contains("byte 0xE9 at column 16", problem.Message);
    }

    [Fact]
    public void Given_a_utf16_file_When_loading_Then_it_is_refused_naming_the_encoding()
    {
        var path = files.WriteBytes("utf16.jsonl", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Good + "\n")).ToArray());

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        Assert.Contains("UTF-16 LE", error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void Given_a_utf8_byte_order_mark_and_windows_line_ends_When_loading_Then_every_row_loads_with_its_line_number()
    {
        var path = files.WriteBytes("bom.jsonl", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Good + "\r\n\r\n" + Good + "\r\n")]);

        var data = PreferenceDataset.Load(path, tokenizer);

        Assert.Equal([1, 3], data.Pairs.Select(p => p.Line));
        Assert.Equal(2, data.Stats.RowsRead);
    }

    [Fact]
    public void Given_a_line_over_the_length_cap_When_loading_Then_it_is_reported_with_its_length_not_buffered()
    {
        var huge = """{"prompt": "Q", "chosen": "A", "rejected": "x""" + new string('B', 200_000) + "\"}";
        var path = files.WriteLines("huge.jsonl", Good, huge, Good);

        var error = Assert.Throws<PreferenceDataException>(() =>
            PreferenceDataset.Load(path, tokenizer, new PreferenceDataOptions { MaxLineBytes = 1024 }));

        var problem = Assert.Single(error.Problems);
        Assert.Equal((2, BadRowReason.LineTooLong), (problem.Line, problem.Reason));
        Assert.Contains($"{huge.Length} bytes, over the limit of 1024 bytes", problem.Message);
    }

    [Fact]
    public void Given_more_bad_rows_than_the_report_limit_When_loading_Then_reading_stops_after_the_limit_and_says_so()
    {
        var path = files.WriteLines("many.jsonl", Good, "{", "{", "{", "{", "{");

        var error = Assert.Throws<PreferenceDataException>(() =>
            PreferenceDataset.Load(path, tokenizer, new PreferenceDataOptions { MaxReportedProblems = 3 }));

        Assert.Equal([2, 3, 4], error.Problems.Select(p => p.Line));
        Assert.Contains("stopped reading after 3 problems", error.Message);
    }

    [Fact]
    public void Given_two_bad_rows_among_good_ones_When_loading_Then_both_are_listed_and_nothing_loads()
    {
        var path = files.WriteLines("two.jsonl", Good, "{", Good, """{"prompt": "Q"}""");

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        Assert.Equal(2, error.TotalProblems);
        Assert.Equal([(2, (string?)null), (4, "chosen")], error.Problems.Select(p => (p.Line, p.Field)));
        Assert.Contains("2 bad rows", error.Message);
    }

    [Fact]
    public void Given_a_missing_file_When_loading_Then_the_error_names_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "deltatui-no-such-folder", "missing.jsonl");

        var error = Assert.Throws<PreferenceDataException>(() => PreferenceDataset.Load(path, tokenizer));

        Assert.StartsWith($"{path}: cannot open the file", error.Message);
    }
}
