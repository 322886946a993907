using System.Reflection;

namespace DeltaTui.Training.Config;

/// <summary>A command-line override an error message recommends, e.g. <c>--data.skip_bad_rows true</c>.</summary>
/// <param name="Key">The dotted key, as the loader accepts it.</param>
/// <param name="Value">The value to pass (for a path, an example of one).</param>
public sealed record SuggestedOverride(string Key, string Value)
{
    /// <summary>What the user types.</summary>
    public override string ToString() => $"--{Key} {Value}";

    /// <summary>The tokens, as the command line hands them over.</summary>
    public IReadOnlyList<string> Tokens => [$"--{Key}", Value];
}

/// <summary>
/// Every override that any error message suggests, in one place: messages take their text from here, and a test
/// runs each of them through the real command line and config loader, so no message can recommend an option that
/// does not exist.
/// </summary>
public static class SuggestedOverrides
{
    /// <summary>Skip and count malformed data rows instead of stopping.</summary>
    public static SuggestedOverride SkipBadRows { get; } = new("data.skip_bad_rows", "true");

    /// <summary>Point the run at a Hugging Face snapshot folder.</summary>
    public static SuggestedOverride ModelPath { get; } = new("model.path", "/path/to/gemma-3-270m-it");

    /// <summary>Train the tiny embedded model instead of a snapshot.</summary>
    public static SuggestedOverride EmbeddedModel { get; } = new("model.path", "embedded");

    /// <summary>Point the run at a preference JSONL file.</summary>
    public static SuggestedOverride DataPath { get; } = new("data.path", "/path/to/pairs.jsonl");

    /// <summary>Use the byte tokenizer (no tokenizer.json needed).</summary>
    public static SuggestedOverride ByteTokenizer { get; } = new("tokenizer.path", "byte");

    /// <summary>Write the run's folders somewhere else.</summary>
    public static SuggestedOverride OutputRoot { get; } = new("run.output_root", "/path/with/space/runs");

    /// <summary>Write the masks somewhere else.</summary>
    public static SuggestedOverride MasksOutputDir { get; } = new("masks.output_dir", "/path/with/space/masks");

    /// <summary>Run on the CPU.</summary>
    public static SuggestedOverride CpuDevice { get; } = new("run.device", "cpu");

    /// <summary>The example of the override syntax itself.</summary>
    public static SuggestedOverride Example { get; } = new("optimizer.lr", "1e-5");

    /// <summary>All of the above (read by reflection, so a new one is never left out).</summary>
    public static IReadOnlyList<SuggestedOverride> All { get; } =
        typeof(SuggestedOverrides).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(SuggestedOverride))
            .Select(p => (SuggestedOverride)p.GetValue(null)!)
            .ToList();
}
