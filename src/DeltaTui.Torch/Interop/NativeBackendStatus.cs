namespace DeltaTui.Torch.Interop;

/// <param name="Available">The library loaded and speaks this ABI.</param>
/// <param name="CudaCompiled">It was built with the CUDA backend.</param>
/// <param name="CudaDeviceCount">CUDA devices it sees.</param>
/// <param name="OpenMpThreads">Threads of the CPU backend.</param>
/// <param name="Error">Why it is not available, when it is not.</param>
public sealed record NativeBackendStatus(bool Available, bool CudaCompiled, int CudaDeviceCount, int OpenMpThreads, string? Error)
{
    /// <summary>It was built with the CUDA token log-prob kernels (CMake option DTN_TOKEN_LOGPROBS_CUDA).</summary>
    public bool TokenLogProbsOnCuda { get; init; }
}
