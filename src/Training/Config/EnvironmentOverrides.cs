namespace DeltaTui.Training.Config;

/// <summary>
/// Reads <c>DELTATUI_SECTION__KEY=value</c> environment variables. Names without a double
/// underscore (DELTATUI_LIBTORCH, DELTATUI_COMPAT, ...) set up the tool itself and are not config keys.
/// </summary>
internal static class EnvironmentOverrides
{
    public const string Prefix = "DELTATUI_";

    public static List<ConfigOverride> Parse(IReadOnlyDictionary<string, string> environment) =>
        environment
            .Where(e => e.Key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && e.Key.Contains("__", StringComparison.Ordinal))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new ConfigOverride(
                e.Key[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal).ToLowerInvariant(),
                e.Value,
                $"environment variable {e.Key}"))
            .ToList();
}
