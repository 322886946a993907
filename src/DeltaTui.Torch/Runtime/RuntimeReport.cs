namespace DeltaTui.Torch.Runtime;

/// <summary>Everything about this process's runtime that decides whether a run can start: what <c>deltatui doctor</c> shows.</summary>
/// <param name="DotNetVersion">The .NET runtime version.</param>
/// <param name="DotNetHost">The host executable running this process.</param>
/// <param name="TorchSharpVersion">TorchSharp's package version.</param>
/// <param name="LibTorchVersion">The libtorch version: TorchSharp's bundled one, or the installed PyTorch's when a folder was chosen.</param>
/// <param name="LibTorchPath">Where libtorch_cpu.so was mapped from, or null when torch did not start.</param>
/// <param name="LibTorchOrigin">What chose that libtorch (bundled, --libtorch, DELTATUI_LIBTORCH).</param>
/// <param name="TorchWorks">A small tensor computation on the CPU gave the right answer.</param>
/// <param name="TorchError">Why torch did not start, when it did not.</param>
/// <param name="ProcessorCount">Logical CPUs available to the process.</param>
/// <param name="TorchThreads">Intra-op threads libtorch uses.</param>
/// <param name="Cuda">CUDA state.</param>
/// <param name="Native">The native BSR-AdamW library.</param>
/// <param name="Compat">The private C/C++ runtime for older systems.</param>
public sealed record RuntimeReport(
    string DotNetVersion,
    string? DotNetHost,
    string TorchSharpVersion,
    string LibTorchVersion,
    string? LibTorchPath,
    string LibTorchOrigin,
    bool TorchWorks,
    string? TorchError,
    int ProcessorCount,
    int TorchThreads,
    CudaInfo Cuda,
    NativeLibraryInfo Native,
    CompatRuntimeInfo Compat);
