namespace DeltaTui.Training.Data;

/// <summary>What loading a preference file saw.</summary>
public sealed record PreferenceDataStats
{
    /// <summary>Non-blank lines read.</summary>
    public required int RowsRead { get; init; }

    /// <summary>Pairs kept for training.</summary>
    public required int PairsLoaded { get; init; }

    /// <summary>Rows skipped as bad (only with skip-bad-rows), by reason.</summary>
    public required IReadOnlyDictionary<BadRowReason, int> BadRowsByReason { get; init; }

    /// <summary>The first skipped bad rows (up to <see cref="PreferenceDataOptions.MaxReportedProblems"/>), to show as warnings.</summary>
    public required IReadOnlyList<DataProblem> FirstBadRows { get; init; }

    /// <summary>Valid rows skipped because their prompt alone reaches max_length.</summary>
    public required int SkippedPromptTooLong { get; init; }

    /// <summary>Pairs kept but cut to max_length.</summary>
    public required int TruncatedPairs { get; init; }

    public int BadRows => BadRowsByReason.Values.Sum();
}
