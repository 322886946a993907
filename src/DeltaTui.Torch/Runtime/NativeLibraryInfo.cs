namespace DeltaTui.Torch.Runtime;

/// <summary>Whether libdeltatui_native (the BSR-AdamW kernels) loaded, from where, and with which backends.</summary>
/// <param name="Loaded">The library loaded and answered its backend query.</param>
/// <param name="Path">Where it was found, or null.</param>
/// <param name="Backend"><c>cpu</c> or <c>cpu+cuda</c>, or null when it did not load.</param>
/// <param name="AbiVersion">The C ABI version it reports.</param>
/// <param name="CudaDeviceCount">Devices its CUDA backend sees.</param>
/// <param name="OpenMpThreads">Threads its CPU backend uses.</param>
/// <param name="Error">Why it is not usable, when it is not.</param>
public sealed record NativeLibraryInfo(
    bool Loaded,
    string? Path,
    string? Backend,
    int AbiVersion,
    int CudaDeviceCount,
    int OpenMpThreads,
    string? Error);
