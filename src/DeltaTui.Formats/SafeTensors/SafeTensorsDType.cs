namespace DeltaTui.Formats.SafeTensors;

/// <summary>
/// Element types of the safetensors format. The declaration order is the reference writer's
/// order: it writes tensors of later (wider) types first so every tensor stays aligned.
/// </summary>
public enum SafeTensorsDType
{
    BOOL,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}
