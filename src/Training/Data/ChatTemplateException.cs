namespace DeltaTui.Training.Data;

/// <summary>A conversation the Gemma-3 chat template cannot render (roles out of order, unknown role, ...).</summary>
public sealed class ChatTemplateException(int messageIndex, string message) : Exception(message)
{
    /// <summary>Index of the offending message in the conversation handed to the template.</summary>
    public int MessageIndex { get; } = messageIndex;
}
