namespace DeltaTui.Formats.SafeTensors;

/// <summary>
/// A validated safetensors header: tensors in data order, the optional string metadata, and where
/// the data section starts in the file.
/// </summary>
public sealed class SafeTensorsHeader
{
    internal SafeTensorsHeader(string path, IReadOnlyList<SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        FilePath = path;
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
        ByName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string FilePath { get; }

    /// <summary>Tensors ordered by their position in the data section.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, SafeTensorInfo> ByName { get; }

    /// <summary>The <c>__metadata__</c> entries in file order (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset of the first data byte (8 + header length).</summary>
    public long DataStart { get; }
}
