namespace DeltaTui.Torch.Runtime;

/// <summary>A libtorch folder that was loaded by full path before TorchSharp started.</summary>
/// <param name="Directory">The folder, as a full path.</param>
/// <param name="Origin">What chose it (<c>--libtorch</c> or <c>DELTATUI_LIBTORCH</c>).</param>
/// <param name="Libraries">The libraries loaded from it, in load order.</param>
/// <param name="LibTorchSharpPath">TorchSharp's native bridge, loaded on top of them.</param>
/// <param name="Version">The PyTorch version found beside the folder (torch/version.py), or null.</param>
public sealed record PreloadedLibTorch(
    string Directory,
    string Origin,
    IReadOnlyList<string> Libraries,
    string LibTorchSharpPath,
    string? Version)
{
    public bool HasCuda => Libraries.Any(l => Path.GetFileName(l) == "libtorch_cuda.so");
}
