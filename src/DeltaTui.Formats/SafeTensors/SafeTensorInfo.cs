namespace DeltaTui.Formats.SafeTensors;

/// <summary>
/// One tensor's entry in a safetensors header. Offsets are relative to the start of the data
/// section (just after the header), as in the format.
/// </summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, IReadOnlyList<long> Shape, long DataStart, long DataEnd)
{
    public long ByteLength => DataEnd - DataStart;

    public long[] ShapeArray => Shape.ToArray();
}
