using System.Text;

namespace DeltaTui.Training.Data;

/// <summary>
/// Gemma-3's chat template, rendered exactly as the Hugging Face Jinja template in the model's
/// tokenizer_config.json does:
/// <code>
/// &lt;bos&gt;&lt;start_of_turn&gt;user\n{system}\n\n{user|trim}&lt;end_of_turn&gt;\n&lt;start_of_turn&gt;model\n{assistant|trim}&lt;end_of_turn&gt;\n ... [&lt;start_of_turn&gt;model\n]
/// </code>
/// The system message is folded into the first user turn and, as in the original, is not trimmed;
/// every other message is trimmed like Python's <c>str.strip()</c>. The original only checks that
/// user turns sit at even positions; this one also rejects unknown roles and a system message
/// anywhere but first, which the original would render as a bogus "system" turn.
/// </summary>
public static class ChatTemplate
{
    public const string BosToken = "<bos>";
    public const string StartOfTurn = "<start_of_turn>";
    public const string EndOfTurn = "<end_of_turn>";

    /// <summary>What <c>add_generation_prompt=True</c> appends: the opening of the model's turn.</summary>
    public const string GenerationPrompt = StartOfTurn + "model\n";

    public static string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder(BosToken);
        var firstUserPrefix = "";
        var first = 0;
        if (messages.Count > 0 && messages[0].Role == ChatMessage.SystemRole)
        {
            firstUserPrefix = messages[0].Content + "\n\n";
            first = 1;
        }

        for (var i = first; i < messages.Count; i++)
        {
            var message = messages[i];
            var turn = i - first;
            CheckRole(message, i, turn);
            text.Append(StartOfTurn).Append(message.IsAssistant ? "model" : "user").Append('\n');
            if (turn == 0) text.Append(firstUserPrefix);
            text.Append(JinjaTrim.Trim(message.Content)).Append(EndOfTurn).Append('\n');
        }

        if (addGenerationPrompt) text.Append(GenerationPrompt);
        return text.ToString();
    }

    /// <summary>
    /// Splits a conversation into the prompt (rendered with the generation prompt) and the completion
    /// that follows it, as TRL does for conversational preference data: the completion is the text the
    /// full conversation adds after the prompt, e.g. <c>"{answer}&lt;end_of_turn&gt;\n"</c>.
    /// Indexes in errors count prompt messages first, then completion messages.
    /// </summary>
    public static PromptAndCompletion RenderCompletion(IReadOnlyList<ChatMessage> prompt, IReadOnlyList<ChatMessage> completion)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(completion);
        if (prompt.Count == 0) throw new ChatTemplateException(0, "the prompt has no messages");
        if (completion.Count == 0) throw new ChatTemplateException(prompt.Count, "the completion has no messages");

        var conversation = prompt.Concat(completion).ToArray();
        var full = Render(conversation, addGenerationPrompt: false);
        if (prompt[^1].Role != ChatMessage.UserRole)
            throw new ChatTemplateException(prompt.Count - 1, $"the prompt must end with a 'user' turn, not '{prompt[^1].Role}'");
        if (!completion[^1].IsAssistant)
            throw new ChatTemplateException(conversation.Length - 1, $"the completion must end with an 'assistant' turn, not '{completion[^1].Role}'");

        var promptText = Render(prompt, addGenerationPrompt: true);
        // Holds because the prompt ends with a user turn, so the next turn is the model's.
        if (!full.StartsWith(promptText, StringComparison.Ordinal))
            throw new InvalidOperationException("the rendered conversation does not start with the rendered prompt");
        return new PromptAndCompletion(promptText, full[promptText.Length..]);
    }

    private static void CheckRole(ChatMessage message, int index, int turn)
    {
        var expectUser = turn % 2 == 0;
        var ok = message.Role switch
        {
            ChatMessage.UserRole => expectUser,
            ChatMessage.AssistantRole or ChatMessage.ModelRole => !expectUser,
            ChatMessage.SystemRole => throw new ChatTemplateException(index, "a 'system' message may only be the first message"),
            _ => throw new ChatTemplateException(index, $"unknown role '{message.Role}' (expected system, user or assistant)"),
        };
        if (!ok)
            throw new ChatTemplateException(index,
                $"expected {(expectUser ? "a 'user'" : "an 'assistant'")} turn, got '{message.Role}' (turns alternate user/assistant after an optional first system message)");
    }
}
