using TorchSharp;

namespace DeltaTui.Torch.Runtime;

/// <summary>Starts torch if it has not started yet and gathers a <see cref="RuntimeReport"/>; never throws for a broken set-up, it reports it.</summary>
public static class RuntimeInspector
{
    public static RuntimeReport Inspect(IReadOnlyDictionary<string, string?> environment)
    {
        (bool works, string? error, int threads, string bundledVersion) = TryTorch();
        string? libTorchPath = LoadedLibraries.PathOf("libtorch_cpu.so");
        (string origin, string version) = Describe(LibTorchPreloader.Current, libTorchPath, bundledVersion);
        CudaInfo cuda = works ? CudaProbe.Probe() : new CudaInfo(false, 0, [], "torch did not start");

        return new RuntimeReport(
            DotNetVersion: Environment.Version.ToString(),
            DotNetHost: Environment.ProcessPath,
            TorchSharpVersion: TorchRuntime.TorchSharpVersion,
            LibTorchVersion: version,
            LibTorchPath: libTorchPath,
            LibTorchOrigin: origin,
            TorchWorks: works,
            TorchError: error,
            ProcessorCount: Environment.ProcessorCount,
            TorchThreads: threads,
            Cuda: cuda,
            Native: NativeLibraryProbe.Probe(),
            Compat: CompatRuntimeProbe.Probe(environment.GetValueOrDefault(CompatRuntimeProbe.EnvironmentVariable)));
    }

    /// <summary>Who chose the libtorch that was mapped, and its version as far as it can be known.</summary>
    private static (string Origin, string Version) Describe(PreloadedLibTorch? preloaded, string? mappedPath, string bundledVersion)
    {
        const string noVersion = "unknown (no torch/version.py beside it)";
        if (preloaded is not null)
            return (preloaded.Origin, preloaded.Version ?? noVersion);
        string? mappedFolder = Path.GetDirectoryName(mappedPath);
        if (mappedFolder is null || mappedFolder == Path.GetDirectoryName(LibTorchPreloader.BundledLibTorch()))
            return (LibTorchSelection.Bundled.Origin, bundledVersion);
        return ("found by the system loader (LD_LIBRARY_PATH)", LibTorchPreloader.ReadPyTorchVersion(mappedFolder) ?? noVersion);
    }

    private static (bool Works, string? Error, int Threads, string Version) TryTorch()
    {
        try
        {
            using torch.Tensor ones = torch.ones(3);
            using torch.Tensor sum = ones.sum();
            float value = sum.item<float>();
            return value == 3f
                ? (true, null, torch.get_num_threads(), torch.__version__)
                : (false, $"torch.ones(3).sum() gave {value}, not 3", 0, torch.__version__);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException or EntryPointNotFoundException)
        {
            Exception root = e;
            while (root.InnerException is not null) root = root.InnerException;
            return (false, root.Message, 0, "unknown");
        }
    }
}
