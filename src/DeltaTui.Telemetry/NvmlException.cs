namespace DeltaTui.Telemetry;

/// <summary>An NVML call failed in a way that makes the whole device (or NVML) unreadable for now.</summary>
public sealed class NvmlException(NvmlReturn code, string function, string detail)
    : Exception(detail.Length == 0 || detail == NvmlReturnNames.Name(code)
        ? $"{function}: {NvmlReturnNames.Name(code)}"
        : $"{function}: {NvmlReturnNames.Name(code)} ({detail})")
{
    public NvmlReturn Code { get; } = code;
    public string Function { get; } = function;
}
