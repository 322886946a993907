using System.Runtime.InteropServices;

namespace DeltaTui.Torch.Runtime;

/// <summary>Reads DELTATUI_COMPAT and the loader actually in use; the loader path is the proof, the variable only the intent.</summary>
public static partial class CompatRuntimeProbe
{
    public const string EnvironmentVariable = "DELTATUI_COMPAT";

    private static readonly string[] SystemLibraryRoots = ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"];

    public static CompatRuntimeInfo Probe(string? compatVariable)
    {
        string? loader = LoadedLibraries.PathOf("ld-linux-x86-64.so.2") ?? LoadedLibraries.PathOf("ld-linux-aarch64.so.1");
        string? stdcxx = LoadedLibraries.PathOf("libstdc++.so.6");
        bool privateLoader = loader is not null && !SystemLibraryRoots.Any(r => loader.StartsWith(r, StringComparison.Ordinal));
        string? directory = string.IsNullOrEmpty(compatVariable) || compatVariable == "none" ? null : compatVariable;
        return new CompatRuntimeInfo(privateLoader, directory, loader, stdcxx, GlibcVersion());
    }

    private static string GlibcVersion()
    {
        try
        {
            return Marshal.PtrToStringUTF8(gnu_get_libc_version()) ?? "unknown";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "unknown (not glibc)";
        }
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial IntPtr gnu_get_libc_version();
}
