using System.Text;

namespace DeltaTui.Training.Tests.Data;

/// <summary>Writes test data files into a private temporary folder that is deleted afterwards.</summary>
internal sealed class DataFiles : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("deltatui-data-tests-").FullName;

    public string Write(string name, string text) => WriteBytes(name, Encoding.UTF8.GetBytes(text));

    public string WriteLines(string name, params string[] lines) => Write(name, string.Join("\n", lines) + "\n");

    public string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
