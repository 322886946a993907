using System.Text;

namespace DeltaTui.Training.Tests.SafeTensors;

/// <summary>Builds safetensors files byte by byte in a temporary folder, so each test can break exactly one rule.</summary>
internal sealed class SafeTensorsFixture : IDisposable
{
    public SafeTensorsFixture()
    {
        Folder = Directory.CreateTempSubdirectory("safetensors-tests-").FullName;
    }

    public string Folder { get; }

    public string WriteRaw(byte[] bytes, string name = "case.safetensors")
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A file with the given header text (length prefix computed) followed by <paramref name="dataBytes"/> bytes.</summary>
    public string Write(string headerJson, int dataBytes, string name = "case.safetensors") =>
        WriteRaw(Compose(Encoding.UTF8.GetBytes(headerJson), new byte[dataBytes]), name);

    public static byte[] Compose(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail a test.
        }
    }
}
