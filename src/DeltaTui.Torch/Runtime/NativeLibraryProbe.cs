using System.Runtime.InteropServices;

namespace DeltaTui.Torch.Runtime;

/// <summary>
/// Looks for libdeltatui_native.so and asks it for its backends through <c>dtn_backend_info_get</c>,
/// found by name at run time so that a build without the library still runs and reports "not found".
/// </summary>
public static class NativeLibraryProbe
{
    public const string FileName = "libdeltatui_native.so";

    [StructLayout(LayoutKind.Sequential)]
    private struct BackendInfo
    {
        public int AbiVersion;
        public int CudaCompiled;
        public int CudaDeviceCount;
        public int OpenMpThreads;
        public int TokenLogProbsCuda; // the library writes the whole struct of its ABI: keep in step with deltatui_native.h
    }

    public static unsafe NativeLibraryInfo Probe()
    {
        string? path = Candidates().FirstOrDefault(File.Exists);
        if (path is null)
            return new NativeLibraryInfo(false, null, null, 0, 0, 0, $"{FileName} not found next to the application");
        if (!NativeLibrary.TryLoad(path, out IntPtr handle))
            return new NativeLibraryInfo(false, path, null, 0, 0, 0, $"{path} exists but does not load (missing dependency or wrong architecture)");
        if (!NativeLibrary.TryGetExport(handle, "dtn_backend_info_get", out IntPtr query))
            return new NativeLibraryInfo(false, path, null, 0, 0, 0, $"{path} loads but exports no dtn_backend_info_get (an older build?)");

        BackendInfo info = default;
        int status = ((delegate* unmanaged<BackendInfo*, int>)query)(&info);
        if (status != 0)
            return new NativeLibraryInfo(false, path, null, 0, 0, 0, $"dtn_backend_info_get failed with status {status}: {LastError(handle)}");
        string backend = info.CudaCompiled == 0 ? "cpu" : info.TokenLogProbsCuda != 0 ? "cpu+cuda (token log-probs on cuda too)" : "cpu+cuda";
        return new NativeLibraryInfo(true, path, backend, info.AbiVersion, info.CudaDeviceCount, info.OpenMpThreads, null);
    }

    private static IEnumerable<string> Candidates()
    {
        string?[] roots = [AppContext.BaseDirectory, Path.GetDirectoryName(typeof(NativeLibraryProbe).Assembly.Location)];
        foreach (string root in roots.OfType<string>().Distinct())
        {
            yield return Path.Combine(root, FileName);
            yield return Path.Combine(root, "runtimes", "linux-x64", "native", FileName);
        }
    }

    private static unsafe string LastError(IntPtr handle) =>
        NativeLibrary.TryGetExport(handle, "dtn_last_error", out IntPtr lastError)
            ? Marshal.PtrToStringUTF8((IntPtr)((delegate* unmanaged<byte*>)lastError)()) ?? ""
            : "";
}
