using System.Text.Json;

namespace DeltaTui.Training.Data;

/// <summary>
/// Reads one JSONL row, <c>{"prompt": ..., "chosen": ..., "rejected": ...}</c>, in either the string form or the
/// conversational form (lists of <c>{"role", "content"}</c> messages), and renders it to text. Anything wrong
/// raises a <see cref="RowProblemException"/> naming the field. Extra fields are ignored.
/// </summary>
internal static class PreferenceRowParser
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowDuplicateProperties = false,
        MaxDepth = 16,
    };

    public static RenderedPair Parse(string line, StringPairFormat format)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, JsonOptions);
        }
        catch (JsonException e)
        {
            var column = e.BytePositionInLine is { } position ? $" at column {position + 1}" : "";
            throw new RowProblemException(null, BadRowReason.InvalidJson, $"invalid JSON{column}: {WithoutPosition(e.Message)}");
        }

        using (document)
        {
            var row = document.RootElement;
            if (row.ValueKind != JsonValueKind.Object)
                throw new RowProblemException(null, BadRowReason.WrongType,
                    $"expected a JSON object with 'prompt', 'chosen' and 'rejected', got {Describe(row.ValueKind)}");

            var prompt = Required(row, "prompt");
            var chosen = Required(row, "chosen");
            var rejected = Required(row, "rejected");
            var rendered = prompt.ValueKind switch
            {
                JsonValueKind.String => ParseStrings(prompt, chosen, rejected, format),
                JsonValueKind.Array => ParseConversation(prompt, chosen, rejected),
                _ => throw new RowProblemException("prompt", BadRowReason.WrongType,
                    $"expected a string or a list of messages, got {Describe(prompt.ValueKind)}"),
            };
            if (rendered.Chosen == rendered.Rejected)
                throw new RowProblemException("rejected", BadRowReason.IdenticalCompletions, "is identical to 'chosen'; a preference needs two different answers");
            return rendered;
        }
    }

    private static RenderedPair ParseStrings(JsonElement prompt, JsonElement chosen, JsonElement rejected, StringPairFormat format)
    {
        var promptText = NonEmptyString(prompt, "prompt");
        var chosenText = NonEmptyString(chosen, "chosen", "because 'prompt' is a string");
        var rejectedText = NonEmptyString(rejected, "rejected", "because 'prompt' is a string");
        if (format == StringPairFormat.Raw) return new RenderedPair(promptText, chosenText, rejectedText, Raw: true);

        ChatMessage[] user = [ChatMessage.User(promptText)];
        var chosenTurn = ChatTemplate.RenderCompletion(user, [ChatMessage.Assistant(chosenText)]);
        var rejectedTurn = ChatTemplate.RenderCompletion(user, [ChatMessage.Assistant(rejectedText)]);
        return new RenderedPair(chosenTurn.Prompt, chosenTurn.Completion, rejectedTurn.Completion, Raw: false);
    }

    private static RenderedPair ParseConversation(JsonElement prompt, JsonElement chosen, JsonElement rejected)
    {
        var promptMessages = Messages(prompt, "prompt", "");
        var chosenMessages = Messages(chosen, "chosen", "because 'prompt' is a list of messages");
        var rejectedMessages = Messages(rejected, "rejected", "because 'prompt' is a list of messages");
        var chosenTurn = Render(promptMessages, chosenMessages, "chosen");
        var rejectedTurn = Render(promptMessages, rejectedMessages, "rejected");
        return new RenderedPair(chosenTurn.Prompt, chosenTurn.Completion, rejectedTurn.Completion, Raw: false);
    }

    private static PromptAndCompletion Render(ChatMessage[] prompt, ChatMessage[] completion, string completionField)
    {
        try
        {
            return ChatTemplate.RenderCompletion(prompt, completion);
        }
        catch (ChatTemplateException e)
        {
            var field = e.MessageIndex < prompt.Length
                ? $"prompt[{e.MessageIndex}].role"
                : $"{completionField}[{e.MessageIndex - prompt.Length}].role";
            throw new RowProblemException(field, BadRowReason.InvalidConversation, e.Message);
        }
    }

    private static ChatMessage[] Messages(JsonElement list, string field, string why)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            var reason = why.Length == 0 ? "" : " " + why;
            throw new RowProblemException(field, BadRowReason.WrongType, $"expected a list of messages{reason}, got {Describe(list.ValueKind)}");
        }

        if (list.GetArrayLength() == 0)
            throw new RowProblemException(field, BadRowReason.EmptyField, "is an empty list of messages");

        var messages = new ChatMessage[list.GetArrayLength()];
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = $"{field}[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
                throw new RowProblemException(at, BadRowReason.WrongType, $"expected a message object {{\"role\", \"content\"}}, got {Describe(item.ValueKind)}");
            var role = NonEmptyString(Required(item, "role", at), $"{at}.role");
            var content = NonEmptyString(Required(item, "content", at), $"{at}.content");
            messages[index++] = new ChatMessage(role, content);
        }

        return messages;
    }

    private static JsonElement Required(JsonElement parent, string name, string? parentField = null)
    {
        var field = parentField is null ? name : $"{parentField}.{name}";
        if (!parent.TryGetProperty(name, out var value))
            throw new RowProblemException(field, BadRowReason.MissingField, "is missing");
        if (value.ValueKind == JsonValueKind.Null)
            throw new RowProblemException(field, BadRowReason.MissingField, "is null");
        return value;
    }

    private static string NonEmptyString(JsonElement value, string field, string why = "")
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            var reason = why.Length == 0 ? "" : " " + why;
            throw new RowProblemException(field, BadRowReason.WrongType, $"expected a string{reason}, got {Describe(value.ValueKind)}");
        }

        var text = value.GetString()!;
        if (JinjaTrim.Trim(text).Length == 0)
            throw new RowProblemException(field, BadRowReason.EmptyField, text.Length == 0 ? "is empty" : "is only whitespace");
        return text;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    // System.Text.Json appends "Path: $ | LineNumber: 0 | BytePositionInLine: 7." — the column is reported separately.
    private static string WithoutPosition(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd();
    }
}
