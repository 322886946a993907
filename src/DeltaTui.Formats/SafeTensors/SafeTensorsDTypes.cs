namespace DeltaTui.Formats.SafeTensors;

/// <summary>Names and sizes of <see cref="SafeTensorsDType"/> (TorchSharp equivalents: DeltaTui.Torch.SafeTensors.SafeTensorsScalarTypes).</summary>
public static class SafeTensorsDTypes
{
    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        // Names are case-sensitive in the format; Enum.TryParse would also accept digits and other casings.
        foreach (var candidate in Enum.GetValues<SafeTensorsDType>())
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    public static int ByteSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8
            or SafeTensorsDType.F8_E5M2 or SafeTensorsDType.F8_E4M3 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        SafeTensorsDType.F64 or SafeTensorsDType.I64 or SafeTensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };
}
