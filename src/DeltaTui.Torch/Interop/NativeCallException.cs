namespace DeltaTui.Torch.Interop;

/// <summary>A call into libdeltatui_native returned an error status.</summary>
public sealed class NativeCallException(string operation, int status, string nativeMessage)
    : Exception($"{operation} failed (deltatui_native status {status}): {nativeMessage}")
{
    public int Status { get; } = status;

    public string NativeMessage { get; } = nativeMessage;
}
