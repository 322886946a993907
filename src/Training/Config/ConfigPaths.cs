namespace DeltaTui.Training.Config;

/// <summary>Finds shipped config files whether the tool runs from the repository root or from elsewhere.</summary>
public static class ConfigPaths
{
    /// <summary>The embedded default: tiny model, shipped data.</summary>
    public const string Demo = "configs/demo.json";

    /// <summary>
    /// <paramref name="path"/> itself when it exists (or is absolute); otherwise the same relative path
    /// under the nearest folder above the application that has it (the repository root).
    /// </summary>
    public static string Locate(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path))
            return path;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate))
                return candidate;
        }
        return path;
    }
}
