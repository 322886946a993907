namespace DeltaTui.Training.Tests.Config;

/// <summary>Temporary config files for one test, deleted afterwards, and the repository's shipped configs.</summary>
internal sealed class ConfigFiles : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("deltatui-config-").FullName;

    public string Write(string name, string json)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    public string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string PathOf(string name) => Path.Combine(_directory, name);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A file under the repository's configs/ folder, found by walking up from the test binaries.</summary>
    public static string Shipped(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "configs", name);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"configs/{name} not found above {AppContext.BaseDirectory}");
    }
}
