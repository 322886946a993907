using DeltaTui.Training.Data;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

/// <summary>Expected strings follow Gemma-3's Jinja chat template (tokenizer_config.json of google/gemma-3-270m-it).</summary>
public class ChatTemplateTests
{
    [Fact]
    public void Given_one_user_turn_When_rendered_with_the_generation_prompt_Then_the_model_turn_is_opened()
    {
        var text = ChatTemplate.Render([ChatMessage.User("Hello")], addGenerationPrompt: true);

        Assert.Equal("<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n", text);
    }

    [Fact]
    public void Given_a_system_message_When_rendered_Then_it_is_folded_untrimmed_into_the_first_user_turn_before_a_blank_line()
    {
        var text = ChatTemplate.Render([ChatMessage.System(" Be brief. \n"), ChatMessage.User("  Hi  ")], addGenerationPrompt: true);

        // The template adds '\n\n' to the system text as it is and trims only the user's content.
        Assert.Equal("<bos><start_of_turn>user\n Be brief. \n\n\nHi<end_of_turn>\n<start_of_turn>model\n", text);
    }

    [Fact]
    public void Given_several_turns_When_rendered_without_generation_prompt_Then_assistant_becomes_model_and_contents_are_trimmed()
    {
        var text = ChatTemplate.Render(
            [ChatMessage.User("What is 2+2?"), ChatMessage.Assistant(" 4. \n"), ChatMessage.User("And 3+3?")],
            addGenerationPrompt: false);

        Assert.Equal(
            "<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4.<end_of_turn>\n<start_of_turn>user\nAnd 3+3?<end_of_turn>\n",
            text);
    }

    [Fact]
    public void Given_content_wrapped_in_python_whitespace_that_dotnet_does_not_trim_When_rendered_Then_it_is_stripped_like_jinja_trim()
    {
        // U+001F is whitespace to Python's str.strip() (and so to Jinja's trim) but not to string.Trim().
        var text = ChatTemplate.Render([ChatMessage.User("\u001fHi\u00a0\u2003")], addGenerationPrompt: false);

        Assert.Equal("<bos><start_of_turn>user\nHi<end_of_turn>\n", text);
    }

    [Fact]
    public void Given_the_gemma_role_name_model_When_rendered_Then_it_is_an_assistant_turn()
    {
        var text = ChatTemplate.Render([ChatMessage.User("a"), new ChatMessage("model", "b")], addGenerationPrompt: false);

        Assert.Equal("<bos><start_of_turn>user\na<end_of_turn>\n<start_of_turn>model\nb<end_of_turn>\n", text);
    }

    [Fact]
    public void Given_a_prompt_and_an_answer_When_split_into_completion_Then_the_completion_is_the_answer_and_end_of_turn()
    {
        var rendered = ChatTemplate.RenderCompletion(
            [ChatMessage.System("Sys"), ChatMessage.User("Q")], [ChatMessage.Assistant(" A ")]);

        Assert.Equal("<bos><start_of_turn>user\nSys\n\nQ<end_of_turn>\n<start_of_turn>model\n", rendered.Prompt);
        Assert.Equal("A<end_of_turn>\n", rendered.Completion);
    }

    [Theory]
    [InlineData(new[] { "user", "user" }, 1, "expected an 'assistant' turn")]
    [InlineData(new[] { "assistant" }, 0, "expected a 'user' turn")]
    [InlineData(new[] { "user", "tool" }, 1, "unknown role 'tool'")]
    [InlineData(new[] { "user", "system" }, 1, "'system' message may only be the first")]
    public void Given_roles_out_of_order_When_rendered_Then_the_offending_message_is_named(string[] roles, int index, string message)
    {
        var messages = roles.Select(role => new ChatMessage(role, "x")).ToArray();

        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Render(messages, addGenerationPrompt: false));

        Assert.Equal(index, error.MessageIndex);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Given_a_prompt_ending_with_an_assistant_turn_When_split_into_completion_Then_it_is_refused()
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.RenderCompletion(
            [ChatMessage.User("Q"), ChatMessage.Assistant("A")], [ChatMessage.User("again")]));

        Assert.Equal(1, error.MessageIndex);
        Assert.Contains("must end with a 'user' turn", error.Message);
    }
}
