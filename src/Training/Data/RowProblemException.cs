namespace DeltaTui.Training.Data;

/// <summary>Raised inside row parsing; the loader turns it into a located <see cref="DataProblem"/>.</summary>
internal sealed class RowProblemException(string? field, BadRowReason reason, string message) : Exception(message)
{
    public string? Field { get; } = field;

    public BadRowReason Reason { get; } = reason;
}
