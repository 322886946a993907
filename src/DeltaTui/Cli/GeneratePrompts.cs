using System.Text;
using System.Text.Json;
using DeltaTui.Formats.Tokenization;
using DeltaTui.Training.Data;

namespace DeltaTui.Cli;

/// <summary>A prompt for <c>deltatui generate</c>: the text the model sees (after the chat template) and its ids.</summary>
public sealed record GeneratePrompt(string Text, int[] Ids);

/// <summary>A prompt input that cannot be used; the message names the file, line or option and what to change.</summary>
public sealed class GenerateInputException(string message) : Exception(message);

/// <summary>
/// Turns <c>--prompt</c>, <c>--messages</c> and <c>--prompts</c> into token ids. Plain text becomes one user turn of
/// Gemma-3's chat template with the model's turn opened (<c>--raw</c>: the text as is, after &lt;bos&gt;); messages are
/// rendered with the template. Files must be UTF-8.
/// </summary>
public static class GeneratePrompts
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static GeneratePrompt FromText(string text, ITokenizer tokenizer, bool raw, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new GenerateInputException($"{source} is empty: give the text to complete");
        var rendered = raw ? ChatTemplate.BosToken + text : ChatTemplate.Render([ChatMessage.User(text)], addGenerationPrompt: true);
        return Encode(rendered, tokenizer, raw);
    }

    public static GeneratePrompt FromMessages(IReadOnlyList<ChatMessage> messages, ITokenizer tokenizer, string source)
    {
        if (messages.Count == 0) throw new GenerateInputException($"{source}: the message list is empty");
        if (messages.All(m => string.IsNullOrWhiteSpace(m.Content))) throw new GenerateInputException($"{source}: every message is empty");
        try
        {
            return Encode(ChatTemplate.Render(messages, addGenerationPrompt: true), tokenizer, raw: false);
        }
        catch (ChatTemplateException e)
        {
            throw new GenerateInputException($"{source}: {e.Message}");
        }
    }

    /// <summary>A JSON array of {"role", "content"} objects.</summary>
    public static GeneratePrompt FromMessagesFile(string path, ITokenizer tokenizer)
    {
        var text = ReadUtf8(path);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messages", out var inner)) root = inner;
            return FromMessages(ParseMessages(root, path), tokenizer, path);
        }
        catch (JsonException e)
        {
            throw new GenerateInputException($"{path}: not valid JSON ({e.Message}); expected [{{\"role\": \"user\", \"content\": \"...\"}}, ...]");
        }
    }

    /// <summary>One prompt per non-blank line: a JSON string, {"prompt": "text"} or {"messages": [...]}.</summary>
    public static IReadOnlyList<GeneratePrompt> FromPromptsFile(string path, ITokenizer tokenizer, bool raw)
    {
        var lines = ReadUtf8(path).Split('\n');
        var prompts = new List<GeneratePrompt>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{path}:{i + 1}";
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                prompts.Add(root.ValueKind switch
                {
                    JsonValueKind.String => FromText(root.GetString()!, tokenizer, raw, where),
                    JsonValueKind.Object when root.TryGetProperty("messages", out var messages) => FromMessages(ParseMessages(messages, where), tokenizer, where),
                    JsonValueKind.Object when root.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String
                        => FromText(prompt.GetString()!, tokenizer, raw, where),
                    JsonValueKind.Object when root.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.Array
                        => FromMessages(ParseMessages(prompt, where), tokenizer, where),
                    _ => throw new GenerateInputException($"{where}: expected a JSON string, {{\"prompt\": \"...\"}} or {{\"messages\": [...]}}"),
                });
            }
            catch (JsonException e)
            {
                throw new GenerateInputException($"{where}: not valid JSON ({e.Message})");
            }
        }
        if (prompts.Count == 0) throw new GenerateInputException($"{path}: holds no prompt (one JSON line per prompt)");
        return prompts;
    }

    private static List<ChatMessage> ParseMessages(JsonElement array, string where)
    {
        if (array.ValueKind != JsonValueKind.Array) throw new GenerateInputException($"{where}: messages must be a JSON array of {{\"role\", \"content\"}} objects");
        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                throw new GenerateInputException($"{where}: message {index} must be an object with string 'role' and 'content'");
            }
            messages.Add(new ChatMessage(role.GetString()!, content.GetString()!));
            index++;
        }
        return messages;
    }

    private static string ReadUtf8(string path)
    {
        if (!File.Exists(path)) throw new GenerateInputException($"{path}: no such file");
        var bytes = File.ReadAllBytes(path);
        try
        {
            return StrictUtf8.GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException e)
        {
            var at = e.Index >= 0 ? $" (at byte {e.Index})" : "";
            var line = e.Index >= 0 ? 1 + bytes.Take(Math.Min(e.Index, bytes.Length)).Count(b => b == (byte)'\n') : 0;
            throw new GenerateInputException($"{path}{(line > 0 ? $":{line}" : "")}: not valid UTF-8{at}; save the file as UTF-8");
        }
    }

    private static GeneratePrompt Encode(string rendered, ITokenizer tokenizer, bool raw)
    {
        var ids = tokenizer.Encode(rendered);
        return new GeneratePrompt(rendered, ids);
    }
}
