using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace DeltaTui.Torch.Runtime;

/// <summary>
/// Points TorchSharp at an existing libtorch folder (e.g. an installed PyTorch's torch/lib) instead
/// of the one bundled with it. glibc reuses an already-loaded library when a later library asks for
/// the same soname, so loading libc10, libtorch_cpu, (libtorch_cuda,) libtorch from that folder by
/// full path, and then TorchSharp's libLibTorchSharp.so, makes the bridge bind to them. This must run
/// before anything touches <see cref="torch"/>.
/// </summary>
public static partial class LibTorchPreloader
{
    // Dependency order: each library finds the ones before it by soname.
    private static readonly string[] LoadOrder = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
    private static readonly string[] Required = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private const string Bridge = "libLibTorchSharp.so";

    private static readonly Lock Gate = new();
    private static PreloadedLibTorch? _current;

    /// <summary>The folder loaded in this process, or null when TorchSharp uses its bundled libtorch.</summary>
    public static PreloadedLibTorch? Current
    {
        get { lock (Gate) return _current; }
    }

    /// <summary>Loads the selected folder; a second call with the same folder returns the first result.</summary>
    /// <exception cref="LibTorchException">The folder is missing, incomplete, does not load, or another libtorch is already in the process.</exception>
    public static PreloadedLibTorch Preload(LibTorchSelection selection)
    {
        string given = selection.Directory ?? throw new ArgumentException("The selection names no folder.", nameof(selection));
        string directory = Path.GetFullPath(given).TrimEnd('/');
        lock (Gate)
        {
            if (_current is not null)
            {
                return _current.Directory == directory ? _current
                    : throw new LibTorchException($"libtorch was already loaded from {_current.Directory}; {selection.Origin} {given} cannot replace it in the same process");
            }
            if (!System.IO.Directory.Exists(directory))
                throw new LibTorchException($"{selection.Origin} names '{given}', which is not a folder");
            string[] missing = Required.Where(f => !File.Exists(Path.Combine(directory, f))).ToArray();
            if (missing.Length > 0)
                throw new LibTorchException($"{selection.Origin} names '{given}', which lacks {string.Join(", ", missing)}: expected a libtorch lib folder such as an installed PyTorch's torch/lib");

            if (BundledLibTorch() is { } bundled && Path.GetDirectoryName(bundled) != directory)
                throw new LibTorchException(
                    $"this build bundles libtorch ({bundled}); TorchSharp would load it beside the one in {given} and abort. "
                    + "Build with -p:TorchBackend=external (./deltatui does when DELTATUI_LIBTORCH or --libtorch is given), or publish without the libtorch files");

            string? earlier = LoadedLibraries.PathOf("libtorch_cpu.so");
            if (earlier is not null && Path.GetDirectoryName(earlier) != directory)
                throw new LibTorchException($"libtorch was already loaded from {earlier} before {selection.Origin} could take effect; it must be chosen before the first use of torch");

            var loaded = new List<string>();
            foreach (string name in LoadOrder)
            {
                string path = Path.Combine(directory, name);
                if (!File.Exists(path))
                    continue;
                Load(path, $"cannot load {path}");
                loaded.Add(path);
            }

            string bridge = FindBridge()
                ?? throw new LibTorchException($"TorchSharp's {Bridge} was not found next to TorchSharp.dll or the application");
            IntPtr bridgeHandle = Load(bridge, $"TorchSharp's {bridge} does not load on the libtorch in {directory} (a libtorch version TorchSharp {TorchRuntime.TorchSharpVersion} was not built for?)");

            RouteTorchSharpTo(bridgeHandle);
            _current = new PreloadedLibTorch(directory, selection.Origin, loaded, bridge, ReadPyTorchVersion(directory));
            return _current;
        }
    }

    /// <summary>
    /// For a build without libtorch of its own (TorchBackend=external) and no folder chosen: the system
    /// loader must find one through LD_LIBRARY_PATH, or TorchSharp would go looking in the NuGet cache.
    /// </summary>
    /// <exception cref="LibTorchException">This build has no libtorch and none can be found.</exception>
    public static void EnsureBundledOrOnLibraryPath(string? libraryPath)
    {
        if (BundledLibTorch() is not null)
            return;
        bool onPath = (libraryPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "libtorch_cpu.so")));
        if (!onPath)
            throw new LibTorchException(
                $"this build has no libtorch of its own (TorchBackend=external): set {LibTorchSelection.EnvironmentVariable} or {LibTorchSelection.Option} to a libtorch folder, such as an installed PyTorch's torch/lib");
    }

    private static IntPtr Load(string path, string failure)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new LibTorchException($"{failure}: {e.Message}", e);
        }
    }

    private static string? FindBridge() => NextToTorchSharp(Bridge);

    /// <summary>
    /// The libtorch_cpu.so shipped next to TorchSharp, or null in a build without one. TorchSharp's
    /// first use probes there by full path (not by soname), so with a bundled copy present another
    /// libtorch would be mapped beside it and abort the process.
    /// </summary>
    public static string? BundledLibTorch() => NextToTorchSharp("libtorch_cpu.so");

    private static string? NextToTorchSharp(string fileName)
    {
        string rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64";
        string?[] roots = [Path.GetDirectoryName(typeof(torch).Assembly.Location), AppContext.BaseDirectory];
        return roots
            .OfType<string>()
            .SelectMany(root => new[] { Path.Combine(root, fileName), Path.Combine(root, "runtimes", rid, "native", fileName) })
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Hands TorchSharp's P/Invokes the bridge loaded above, whatever its own probing would find.</summary>
    private static void RouteTorchSharpTo(IntPtr bridgeHandle)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) => name == "LibTorchSharp" ? bridgeHandle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // A resolver was already set; TorchSharp's own probing then finds the same bridge file, and the same handle.
        }
    }

    /// <summary>The PyTorch version in torch/version.py beside a torch/lib folder, or null.</summary>
    public static string? ReadPyTorchVersion(string directory)
    {
        string versionFile = Path.Combine(directory, "..", "version.py");
        if (!File.Exists(versionFile))
            return null;
        Match match = VersionPattern().Match(File.ReadAllText(versionFile));
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"__version__\s*=\s*['""]([^'""]+)['""]")]
    private static partial Regex VersionPattern();
}
