using DeltaTui.Training.Config;

namespace DeltaTui.Training.Data;

/// <summary>
/// Preference data that cannot be used. <see cref="Problems"/> lists the first problems found
/// (file:line: field: what), <see cref="TotalProblems"/> how many were counted before reading stopped.
/// </summary>
public sealed class PreferenceDataException : Exception
{
    public PreferenceDataException(string file, string message)
        : base($"{file}: {message}")
    {
        File = file;
        Problems = [];
    }

    public PreferenceDataException(string file, IReadOnlyList<DataProblem> problems, int totalProblems, bool stoppedEarly)
        : base(Describe(file, problems, totalProblems, stoppedEarly))
    {
        File = file;
        Problems = problems;
        TotalProblems = totalProblems;
    }

    public string File { get; }

    public IReadOnlyList<DataProblem> Problems { get; }

    public int TotalProblems { get; }

    private static string Describe(string file, IReadOnlyList<DataProblem> problems, int total, bool stoppedEarly)
    {
        var head = stoppedEarly
            ? $"{file}: bad rows (stopped reading after {total} problems; fix them, or skip and count them with {SuggestedOverrides.SkipBadRows}):"
            : $"{file}: {total} bad row{(total == 1 ? "" : "s")} (fix {(total == 1 ? "it" : "them")}, or skip and count them with {SuggestedOverrides.SkipBadRows}):";
        return head + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p));
    }
}
