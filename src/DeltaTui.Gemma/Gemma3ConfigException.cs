namespace DeltaTui.Gemma;

/// <summary>A Gemma-3 config that cannot be used; the message names the file (or preset) and the key.</summary>
public sealed class Gemma3ConfigException : Exception
{
    public Gemma3ConfigException(string source, string key, string problem, Exception? inner = null)
        : base($"{source}: '{key}' {problem}", inner)
    {
        ConfigSource = source;
        Key = key;
    }

    /// <summary>The file (or preset name) the config came from.</summary>
    public string ConfigSource { get; }

    public string Key { get; }
}
