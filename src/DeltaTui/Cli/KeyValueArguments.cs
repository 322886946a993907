namespace DeltaTui.Cli;

/// <summary>Reads free-form <c>--key value</c> / <c>--key=value</c> pairs (a benchmark's parameters).</summary>
public static class KeyValueArguments
{
    /// <returns>The pairs, or null with the reason in <paramref name="error"/>.</returns>
    public static IReadOnlyDictionary<string, string>? Parse(IReadOnlyList<string> tokens, out string error)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        error = "";
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                error = $"unexpected argument '{token}': parameters look like --key value";
                return null;
            }
            string key = token[2..];
            string value;
            int equals = key.IndexOf('=');
            if (equals >= 0)
            {
                value = key[(equals + 1)..];
                key = key[..equals];
            }
            else if (i + 1 < tokens.Count)
            {
                value = tokens[++i];
            }
            else
            {
                error = $"--{key} needs a value";
                return null;
            }
            pairs[key] = value;
        }
        return pairs;
    }
}
