namespace DeltaTui.Training.Data;

/// <summary>One turn of a conversation as it appears in preference data: a role and its text.</summary>
/// <param name="Role">"system", "user", "assistant" (or its Gemma spelling "model").</param>
/// <param name="Content">The turn's text, exactly as given (the chat template trims it).</param>
public sealed record ChatMessage(string Role, string Content)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";

    /// <summary>Gemma's own name for the assistant; accepted in data as a synonym of "assistant".</summary>
    public const string ModelRole = "model";

    public static ChatMessage System(string content) => new(SystemRole, content);

    public static ChatMessage User(string content) => new(UserRole, content);

    public static ChatMessage Assistant(string content) => new(AssistantRole, content);

    public bool IsAssistant => Role is AssistantRole or ModelRole;
}
