using System.Collections;

namespace DeltaTui.Training.Config;

/// <summary>
/// The layers a configuration is read from, lowest precedence first: JSON files in order, then
/// <c>DELTATUI_SECTION__KEY</c> environment variables, then <c>--section.key value</c> arguments.
/// </summary>
/// <param name="Files">JSON config files; later files override earlier ones.</param>
/// <param name="Environment">Environment variables; only <c>DELTATUI_</c> names with a <c>__</c> are config keys, the rest are ignored.</param>
/// <param name="Overrides">Command-line tokens such as <c>--optimizer.lr 1e-5</c>, <c>--optimizer:lr=1e-5</c>.</param>
public sealed record ConfigSources(
    IReadOnlyList<string> Files,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> Overrides)
{
    /// <summary>The given files and overrides with this process's environment.</summary>
    public static ConfigSources FromProcess(IReadOnlyList<string> files, IReadOnlyList<string> overrides)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value)
                environment[name] = value;
        }
        return new ConfigSources(files, environment, overrides);
    }
}
