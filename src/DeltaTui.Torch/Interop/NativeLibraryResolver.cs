using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace DeltaTui.Torch.Interop;

/// <summary>
/// Finds libdeltatui_native next to this assembly when the default probing does not (for example
/// when the app is started from another folder). Hooks the load context's resolving event rather
/// than <see cref="NativeLibrary.SetDllImportResolver"/>, which allows a single resolver per
/// assembly and would collide with other P/Invoke users of this assembly.
/// </summary>
public static class NativeLibraryResolver
{
    private static int registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        if (name != NativeMethods.LibraryName || assembly != typeof(NativeLibraryResolver).Assembly) return IntPtr.Zero;
        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        }
        return IntPtr.Zero;
    }

    public static IEnumerable<string> Candidates()
    {
        var file = "lib" + NativeMethods.LibraryName + ".so";
        var here = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location);
        if (!string.IsNullOrEmpty(here)) yield return Path.Combine(here, file);
        yield return Path.Combine(AppContext.BaseDirectory, file);
    }
}
