namespace DeltaTui.Training.Data;

/// <summary>One problem found in a data file, located by file, line and field.</summary>
/// <param name="Field">The JSON field (e.g. "chosen", "prompt[1].content"), or null when the whole line is at fault.</param>
public sealed record DataProblem(string File, int Line, string? Field, BadRowReason Reason, string Message)
{
    public override string ToString() =>
        Field is null ? $"{File}:{Line}: {Message}" : $"{File}:{Line}: field '{Field}': {Message}";
}
