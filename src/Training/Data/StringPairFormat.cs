namespace DeltaTui.Training.Data;

/// <summary>How rows whose prompt/chosen/rejected are plain strings become text.</summary>
public enum StringPairFormat
{
    /// <summary>
    /// The default, for chat models: the prompt is one user turn rendered with the generation prompt and
    /// each answer is the model's turn, <c>"{answer}&lt;end_of_turn&gt;\n"</c>. A string row gives exactly the
    /// tokens of the same row written in the conversational form.
    /// </summary>
    ChatTemplate,

    /// <summary>
    /// TRL's convention for non-conversational data: the text as it is, with <c>&lt;bos&gt;</c> before the
    /// prompt (Gemma expects it) and <c>&lt;eos&gt;</c> after each answer.
    /// </summary>
    Raw,
}
