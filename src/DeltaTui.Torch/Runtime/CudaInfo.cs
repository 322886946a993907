namespace DeltaTui.Torch.Runtime;

/// <summary>What TorchSharp's libtorch can do with CUDA here.</summary>
/// <param name="Available">libtorch has CUDA support and sees at least one device.</param>
/// <param name="DeviceCount">Visible devices (after CUDA_VISIBLE_DEVICES).</param>
/// <param name="DeviceNames">Device names by index; "unknown" where the CUDA runtime could not be asked.</param>
/// <param name="Note">Why CUDA is not available or does not compute, when so.</param>
/// <param name="Computes">After CUDA initialisation, a small tensor sum on device 0 gave the right answer.</param>
public sealed record CudaInfo(bool Available, int DeviceCount, IReadOnlyList<string> DeviceNames, string? Note, bool Computes = false);
