namespace DeltaTui.Training.Config;

/// <summary>Another spelling a config file may use for an enum value; the resolved config always writes the canonical name.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = true)]
public sealed class ConfigAliasAttribute(string alias) : Attribute
{
    public string Alias { get; } = alias;
}
