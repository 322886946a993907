using DeltaTui.Training.Data;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

public class DataOptionNamesTests
{
    [Theory]
    [InlineData("keep_start", TruncationMode.KeepStart)]
    [InlineData("keep_end", TruncationMode.KeepEnd)]
    public void Given_a_trl_truncation_name_When_parsed_Then_it_maps_both_ways(string name, TruncationMode mode)
    {
        Assert.Equal(mode, DataOptionNames.ParseTruncation(name));
        Assert.Equal(name, DataOptionNames.Name(mode));
    }

    [Theory]
    [InlineData("chat_template", StringPairFormat.ChatTemplate)]
    [InlineData("raw", StringPairFormat.Raw)]
    public void Given_a_string_format_name_When_parsed_Then_it_maps_both_ways(string name, StringPairFormat format)
    {
        Assert.Equal(format, DataOptionNames.ParseStringFormat(name));
        Assert.Equal(name, DataOptionNames.Name(format));
    }

    [Fact]
    public void Given_an_unknown_truncation_When_parsed_Then_the_error_lists_the_valid_names()
    {
        var error = Assert.Throws<ArgumentException>(() => DataOptionNames.ParseTruncation("KeepStart"));

        Assert.Contains("unknown truncation 'KeepStart'; expected keep_start or keep_end", error.Message);
    }
}
