using DeltaTui.Formats.SafeTensors;
using TorchSharp;

namespace DeltaTui.Torch.SafeTensors;

/// <summary>TorchSharp equivalents of <see cref="SafeTensorsDType"/>.</summary>
public static class SafeTensorsScalarTypes
{
    /// <summary>The TorchSharp element type, or null where TorchSharp has none (unsigned wider than 8 bits, fp8).</summary>
    public static torch.ScalarType? ToScalarType(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.BOOL => torch.ScalarType.Bool,
        SafeTensorsDType.U8 => torch.ScalarType.Byte,
        SafeTensorsDType.I8 => torch.ScalarType.Int8,
        SafeTensorsDType.I16 => torch.ScalarType.Int16,
        SafeTensorsDType.F16 => torch.ScalarType.Float16,
        SafeTensorsDType.BF16 => torch.ScalarType.BFloat16,
        SafeTensorsDType.I32 => torch.ScalarType.Int32,
        SafeTensorsDType.F32 => torch.ScalarType.Float32,
        SafeTensorsDType.F64 => torch.ScalarType.Float64,
        SafeTensorsDType.I64 => torch.ScalarType.Int64,
        _ => null,
    };

    public static SafeTensorsDType FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Bool => SafeTensorsDType.BOOL,
        torch.ScalarType.Byte => SafeTensorsDType.U8,
        torch.ScalarType.Int8 => SafeTensorsDType.I8,
        torch.ScalarType.Int16 => SafeTensorsDType.I16,
        torch.ScalarType.Float16 => SafeTensorsDType.F16,
        torch.ScalarType.BFloat16 => SafeTensorsDType.BF16,
        torch.ScalarType.Int32 => SafeTensorsDType.I32,
        torch.ScalarType.Float32 => SafeTensorsDType.F32,
        torch.ScalarType.Float64 => SafeTensorsDType.F64,
        torch.ScalarType.Int64 => SafeTensorsDType.I64,
        _ => throw new NotSupportedException($"Tensors of type {type} cannot be stored in safetensors by this writer."),
    };
}
