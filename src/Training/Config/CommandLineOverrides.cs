namespace DeltaTui.Training.Config;

/// <summary>
/// Reads <c>--section.key value</c>, <c>--section:key value</c> and <c>--section.key=value</c>
/// tokens. Anything else is a problem: a run must not start with an argument it silently ignored.
/// </summary>
internal static class CommandLineOverrides
{
    public static List<ConfigOverride> Parse(IReadOnlyList<string> tokens, ICollection<ConfigProblem> problems)
    {
        var overrides = new List<ConfigOverride>();
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                problems.Add(new ConfigProblem(token, "command line", $"unexpected argument; config overrides look like --section.key value, e.g. {SuggestedOverrides.Example}"));
                continue;
            }
            string body = token[2..];
            string? value = null;
            int equals = body.IndexOf('=');
            if (equals >= 0)
            {
                value = body[(equals + 1)..];
                body = body[..equals];
            }
            string path = body.Replace('.', ':');
            string source = $"command line --{body}";
            if (!path.Contains(':'))
            {
                problems.Add(new ConfigProblem(body, "command line", $"'--{body}' is not an option of this command, and config overrides name a section and a key, e.g. {SuggestedOverrides.Example}"));
                if (value is null && i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal)) i++;
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= tokens.Count)
                {
                    problems.Add(new ConfigProblem(body, source, "needs a value"));
                    continue;
                }
                value = tokens[++i];
            }
            overrides.Add(new ConfigOverride(path, value, source));
        }
        return overrides;
    }
}
