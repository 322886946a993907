namespace DeltaTui.Training.Data;

/// <summary>An embedded data file: its stream and the pseudo file name that messages use.</summary>
public sealed record EmbeddedDataStream(Stream Stream, string Name) : IDisposable
{
    public void Dispose() => Stream.Dispose();
}
