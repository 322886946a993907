namespace DeltaTui.Training.Data;

/// <summary>Why a row of preference data was refused.</summary>
public enum BadRowReason
{
    InvalidUtf8,
    LineTooLong,
    InvalidJson,
    MissingField,
    EmptyField,
    WrongType,
    InvalidConversation,
    IdenticalCompletions,
}
