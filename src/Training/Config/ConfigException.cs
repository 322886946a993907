namespace DeltaTui.Training.Config;

/// <summary>A configuration that cannot be used; lists every problem found, not just the first, so one edit can fix them all.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<ConfigProblem> Problems { get; }

    private static string Describe(IReadOnlyList<ConfigProblem> problems)
    {
        string count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
        return $"Invalid configuration ({count}); nothing was started:" + Environment.NewLine
            + string.Join(Environment.NewLine, problems.Select(p => "  " + p));
    }
}
