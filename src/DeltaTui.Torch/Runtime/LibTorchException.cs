namespace DeltaTui.Torch.Runtime;

/// <summary>A libtorch folder that cannot be used, with the reason and the folder in the message.</summary>
public sealed class LibTorchException(string message, Exception? inner = null) : Exception(message, inner);
