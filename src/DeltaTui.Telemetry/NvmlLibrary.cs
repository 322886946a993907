using System.Reflection;
using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>
/// Finds and loads libnvidia-ml once per process and serves it to the [LibraryImport]s of
/// <see cref="NvmlNative"/> through a DllImport resolver: .NET's own probing turns "nvidia-ml"
/// into libnvidia-ml.so, which only exists where CUDA development files are installed.
/// Looks at $DELTATUI_NVML (a file or a folder) first, then the loader's path, then the
/// folder where container runtimes mount the driver.
/// </summary>
public static class NvmlLibrary
{
    public const string PathVariable = "DELTATUI_NVML";

    private static readonly object Gate = new();
    private static bool _attempted;
    private static nint _handle;
    private static string? _diagnostics;
    private static readonly Dictionary<string, bool> Exports = new(StringComparer.Ordinal);

    /// <summary>The loaded library, or 0 with <see cref="Diagnostics"/> saying what was tried.</summary>
    public static nint Handle
    {
        get
        {
            EnsureLoaded();
            return _handle;
        }
    }

    /// <summary>Which candidates were tried and why they failed; null once loaded.</summary>
    public static string? Diagnostics
    {
        get
        {
            EnsureLoaded();
            return _diagnostics;
        }
    }

    /// <summary>Candidate paths in the order tried, given the value of $DELTATUI_NVML.</summary>
    public static IReadOnlyList<string> Candidates(string? overridePath)
    {
        var list = new List<string>(5);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            list.Add(Directory.Exists(overridePath) ? Path.Combine(overridePath, NvmlNative.LibraryName) : overridePath);
        }
        list.Add(NvmlNative.LibraryName);
        list.Add("/usr/local/nvidia/lib64/" + NvmlNative.LibraryName);
        list.Add("/usr/lib/x86_64-linux-gnu/" + NvmlNative.LibraryName);
        list.Add("libnvidia-ml.so");
        return list;
    }

    /// <summary>True when the loaded library exports <paramref name="symbol"/> (false when nothing is loaded).</summary>
    public static bool HasExport(string symbol)
    {
        var handle = Handle;
        if (handle == 0) return false;
        lock (Gate)
        {
            if (!Exports.TryGetValue(symbol, out var present))
            {
                present = NativeLibrary.TryGetExport(handle, symbol, out _);
                Exports[symbol] = present;
            }
            return present;
        }
    }

    private static void EnsureLoaded()
    {
        if (Volatile.Read(ref _attempted)) return;
        lock (Gate)
        {
            if (_attempted) return;
            var failures = new List<string>();
            foreach (var candidate in Candidates(Environment.GetEnvironmentVariable(PathVariable)))
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    _handle = handle;
                    break;
                }
                failures.Add(candidate);
            }
            _diagnostics = _handle == 0 ? "could not load any of: " + string.Join(", ", failures) : null;
            RegisterResolver();
            Volatile.Write(ref _attempted, true);
        }
    }

    private static void RegisterResolver()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(NvmlLibrary).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Another part of this assembly registered its resolver first (only one is allowed). The
            // imports then fall back to dlopen("libnvidia-ml.so.1"), which finds the copy loaded above by its soname.
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NvmlNative.LibraryName ? _handle : 0;
}
