using System.Reflection;
using TorchSharp;

namespace DeltaTui.Torch.Runtime;

/// <summary>Starting TorchSharp on the chosen libtorch and devices, and naming what was started.</summary>
public static class TorchRuntime
{
    /// <summary>TorchSharp's package version (e.g. 0.107.0), read without initialising libtorch.</summary>
    public static string TorchSharpVersion { get; } =
        (typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
         ?? typeof(torch).Assembly.GetName().Version?.ToString()
         ?? "unknown").Split('+')[0];

    /// <summary>
    /// Applies a libtorch selection (preloading its folder, see <see cref="LibTorchPreloader"/>). Call it
    /// first thing in the process; with the bundled selection it does nothing.
    /// </summary>
    /// <exception cref="LibTorchException">The chosen folder cannot be used, or no libtorch is reachable at all.</exception>
    public static PreloadedLibTorch? Select(LibTorchSelection selection)
    {
        if (selection.Directory is not null)
            return LibTorchPreloader.Preload(selection);
        LibTorchPreloader.EnsureBundledOrOnLibraryPath(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"));
        return null;
    }

    /// <summary>Initialises CUDA in TorchSharp, with TorchSharp's load trace in the error when it cannot.</summary>
    /// <exception cref="InvalidOperationException">CUDA is not usable here.</exception>
    public static void InitializeCuda() => torch.InitializeDeviceType(DeviceType.CUDA);

    /// <summary>
    /// Turns a config device (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into a TorchSharp device,
    /// initialising CUDA when it is used.
    /// </summary>
    /// <exception cref="InvalidOperationException">CUDA was asked for and is not available, or the index is out of range.</exception>
    public static torch.Device ResolveDevice(string spec)
    {
        if (spec == "cpu")
            return torch.CPU;
        bool available = torch.cuda.is_available();
        if (spec == "auto")
        {
            if (!available)
                return torch.CPU;
            InitializeCuda();
            return torch.CUDA;
        }
        if (!available)
            throw new InvalidOperationException($"run.device is {spec}, but CUDA is not available here (run `deltatui doctor` to see why)");
        InitializeCuda();
        int index = spec == "cuda" ? 0 : int.Parse(spec["cuda:".Length..], System.Globalization.CultureInfo.InvariantCulture);
        int count = torch.cuda.device_count();
        if (index >= count)
            throw new InvalidOperationException($"run.device is {spec}, but only {count} CUDA device(s) are visible");
        return new torch.Device(DeviceType.CUDA, index);
    }
}
