namespace DeltaTui.Training.Config;

/// <summary>One value set outside the config files: its key path (<c>optimizer:lr</c>), the value, and what the user typed, for messages.</summary>
internal sealed record ConfigOverride(string ConfigPath, string Value, string Source);
