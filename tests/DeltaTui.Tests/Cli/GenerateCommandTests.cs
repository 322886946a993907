using System.Text.Json;
using DeltaTui.Cli;
using DeltaTui.Formats.Tokenization;
using DeltaTui.Gemma;
using Xunit;

namespace DeltaTui.Tests.Cli;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("deltatui-generate-").FullName;

    private static string TinyFixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "gemma3-tiny");

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static JsonElement[] JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    [Fact]
    public async Task Given_the_embedded_model_When_generating_from_a_prompt_as_json_Then_the_completion_is_the_greedy_tokens_decoded()
    {
        var run = await CliRun.Of("generate", "--model", "embedded", "--prompt", "Say hello", "--max-new-tokens", "12", "--json", "--device", "cpu");

        Assert.True(run.ExitCode == 0, run.Error);
        var line = Assert.Single(JsonLines(run.Output));
        var tokens = line.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.InRange(tokens.Length, 1, 12);
        Assert.Equal("<bos><start_of_turn>user\nSay hello<end_of_turn>\n<start_of_turn>model\n", line.GetProperty("prompt").GetString());
        var reason = line.GetProperty("finish_reason").GetString();
        var completionIds = reason == "eos" ? tokens[..^1] : tokens;
        Assert.Equal(new ByteTokenizer().Decode(completionIds), line.GetProperty("completion").GetString());
        Assert.True(reason == "length" ? tokens.Length == 12 : tokens[^1] == ByteTokenizer.EosTokenId, $"{reason}, {tokens.Length} tokens");
    }

    [Fact]
    public async Task Given_the_tiny_fixture_When_generating_twice_as_text_Then_the_streamed_completion_is_the_same_and_is_the_json_completion()
    {
        var text = await CliRun.Of("generate", "--model", TinyFixture, "--prompt", "abc", "--raw", "--max-new-tokens", "16", "--device", "cpu");
        var again = await CliRun.Of("generate", "--model", TinyFixture, "--prompt", "abc", "--raw", "--max-new-tokens", "16", "--device", "cpu");
        var json = await CliRun.Of("generate", "--model", TinyFixture, "--prompt", "abc", "--raw", "--max-new-tokens", "16", "--device", "cpu", "--json");

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Equal(text.Output, again.Output);
        Assert.Equal(JsonLines(json.Output)[0].GetProperty("completion").GetString() + Environment.NewLine, text.Output);
    }

    [Fact]
    public async Task Given_a_prompts_file_When_generating_Then_every_line_gets_its_own_completion_equal_to_generating_it_alone()
    {
        var prompts = Path.Combine(folder, "prompts.jsonl");
        File.WriteAllText(prompts, "\"first prompt\"\n\n{\"prompt\": \"a second, longer prompt\"}\n{\"messages\": [{\"role\": \"user\", \"content\": \"third\"}]}\n");

        var batch = await CliRun.Of("generate", "--model", "embedded", "--prompts", prompts, "--max-new-tokens", "10", "--json", "--device", "cpu");
        var alone = await CliRun.Of("generate", "--model", "embedded", "--prompt", "a second, longer prompt", "--max-new-tokens", "10", "--json", "--device", "cpu");

        Assert.True(batch.ExitCode == 0, batch.Error);
        var lines = JsonLines(batch.Output);
        Assert.Equal([0, 1, 2], lines.Select(l => l.GetProperty("index").GetInt32()));
        Assert.Equal(JsonLines(alone.Output)[0].GetProperty("tokens").ToString(), lines[1].GetProperty("tokens").ToString());
    }

    [Fact]
    public async Task Given_a_messages_file_When_generating_Then_the_chat_template_renders_it()
    {
        var messages = Path.Combine(folder, "messages.json");
        File.WriteAllText(messages, "[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]");

        var run = await CliRun.Of("generate", "--model", "embedded", "--messages", messages, "--max-new-tokens", "4", "--json", "--device", "cpu");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n", JsonLines(run.Output)[0].GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Given_a_missing_model_folder_When_generating_Then_the_error_names_it_and_what_to_give()
    {
        var run = await CliRun.Of("generate", "--model", Path.Combine(folder, "nope"), "--prompt", "hi");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("no such folder", run.Error);
        Assert.Contains("'embedded'", run.Error);
    }

    [Fact]
    public async Task Given_an_empty_prompt_When_generating_Then_the_error_says_it_is_empty()
    {
        var run = await CliRun.Of("generate", "--model", "embedded", "--prompt", "  ");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--prompt is empty", run.Error);
    }

    [Fact]
    public async Task Given_a_prompt_longer_than_the_context_When_generating_Then_the_error_gives_both_lengths()
    {
        var run = await CliRun.Of("generate", "--model", TinyFixture, "--prompt", new string('x', 300), "--raw", "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("has 301 tokens", run.Error);
        Assert.Contains("max_position_embeddings) is 128", run.Error);
    }

    [Fact]
    public async Task Given_a_prompts_file_that_is_not_utf8_When_generating_Then_the_error_names_the_file_and_line()
    {
        var prompts = Path.Combine(folder, "latin1.jsonl");
        File.WriteAllBytes(prompts, [.. "\"fine\"\n"u8.ToArray(), (byte)'"', 0xE9, (byte)'t', 0xE9, (byte)'"', (byte)'\n']);

        var run = await CliRun.Of("generate", "--model", "embedded", "--prompts", prompts);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"{prompts}:2: not valid UTF-8", run.Error);
    }

    [Fact]
    public async Task Given_two_prompt_sources_or_none_When_generating_Then_the_error_asks_for_exactly_one()
    {
        var none = await CliRun.Of("generate", "--model", "embedded");
        var two = await CliRun.Of("generate", "--model", "embedded", "--prompt", "a", "--prompts", "b.jsonl");

        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Contains("exactly one of --prompt", none.Error);
        Assert.Contains("exactly one of --prompt", two.Error);
    }

    [Fact]
    public async Task Given_a_sampling_seed_When_sampling_twice_Then_the_completions_are_the_same()
    {
        string[] args = ["generate", "--model", "embedded", "--prompt", "seeded", "--max-new-tokens", "16", "--temperature", "1.2", "--top-k", "50", "--top-p", "0.9", "--seed", "11", "--json", "--device", "cpu"];

        var first = await CliRun.Of(args);
        var second = await CliRun.Of(args);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal(first.Output, second.Output);
    }

    [Fact]
    public async Task Given_a_negative_temperature_When_generating_Then_the_error_gives_the_range()
    {
        var run = await CliRun.Of("generate", "--model", "embedded", "--prompt", "x", "--temperature", "-1");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("temperature must be ≥ 0", run.Error);
    }
}
