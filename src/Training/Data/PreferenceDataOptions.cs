namespace DeltaTui.Training.Data;

/// <summary>How preference JSONL is read, rendered and cut to length.</summary>
public sealed record PreferenceDataOptions
{
    /// <summary>Most tokens of prompt + completion in one sequence (TRL's default is 1024).</summary>
    public int MaxLength { get; init; } = 1024;

    public TruncationMode Truncation { get; init; } = TruncationMode.KeepStart;

    /// <summary>Skip and count bad rows instead of refusing the file.</summary>
    public bool SkipBadRows { get; init; }

    /// <summary>How many problems a refusal lists before it stops reading.</summary>
    public int MaxReportedProblems { get; init; } = 10;

    /// <summary>Longest accepted line in bytes; longer lines are bad rows, never buffered whole.</summary>
    public int MaxLineBytes { get; init; } = 8 * 1024 * 1024;

    public StringPairFormat StringFormat { get; init; } = StringPairFormat.ChatTemplate;

    internal void Validate()
    {
        if (MaxLength < 2) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "max_length must be at least 2 (one prompt and one completion token)");
        if (MaxReportedProblems < 1) throw new ArgumentOutOfRangeException(nameof(MaxReportedProblems), MaxReportedProblems, "must be at least 1");
        if (MaxLineBytes < 16) throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, "must be at least 16 bytes");
        if (!Enum.IsDefined(Truncation)) throw new ArgumentOutOfRangeException(nameof(Truncation), Truncation, "unknown truncation mode");
        if (!Enum.IsDefined(StringFormat)) throw new ArgumentOutOfRangeException(nameof(StringFormat), StringFormat, "unknown string format");
    }
}
