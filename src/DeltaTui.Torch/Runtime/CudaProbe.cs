using System.Runtime.InteropServices;
using TorchSharp;

namespace DeltaTui.Torch.Runtime;

/// <summary>Asks libtorch whether CUDA works and the CUDA runtime it loaded for device names.</summary>
public static class CudaProbe
{
    public static CudaInfo Probe()
    {
        bool available;
        try
        {
            available = torch.cuda.is_available();
        }
        catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            return new CudaInfo(false, 0, [], e.Message);
        }
        if (!available)
        {
            string note = LoadedLibraries.PathOf("libtorch_cuda.so") is null
                ? "this libtorch has no CUDA support (CPU build)"
                : "libtorch has CUDA support but sees no device (no driver, no GPU, or CUDA_VISIBLE_DEVICES hides them)";
            return new CudaInfo(false, 0, [], note);
        }
        int count = torch.cuda.device_count();
        var names = Enumerable.Range(0, count).Select(i => DeviceName(i) ?? "unknown").ToList();
        try
        {
            TorchRuntime.InitializeCuda();
            using torch.Tensor ones = torch.ones(3, device: torch.CUDA);
            using torch.Tensor sum = ones.sum();
            float value = sum.item<float>();
            return value == 3f
                ? new CudaInfo(true, count, names, null, Computes: true)
                : new CudaInfo(true, count, names, $"torch.ones(3).sum() on cuda:0 gave {value}, not 3");
        }
        catch (Exception e) when (e is InvalidOperationException or ExternalException)
        {
            return new CudaInfo(true, count, names, $"CUDA does not compute: {e.Message}");
        }
    }

    /// <summary>
    /// TorchSharp exposes no device properties; the CUDA runtime libtorch already loaded does.
    /// cudaDeviceProp starts with <c>char name[256]</c>, so a generously sized zeroed buffer is
    /// enough whatever the struct's length in this CUDA version.
    /// </summary>
    private static unsafe string? DeviceName(int index)
    {
        string? cudart = LoadedLibraries.PathOf("libcudart.so");
        if (cudart is null || !NativeLibrary.TryLoad(cudart, out IntPtr handle))
            return null;
        if (!NativeLibrary.TryGetExport(handle, "cudaGetDeviceProperties_v2", out IntPtr function)
            && !NativeLibrary.TryGetExport(handle, "cudaGetDeviceProperties", out function))
            return null;
        const int size = 16 * 1024;
        byte* buffer = (byte*)NativeMemory.AllocZeroed(size);
        try
        {
            int status = ((delegate* unmanaged<byte*, int, int>)function)(buffer, index);
            return status == 0 ? Marshal.PtrToStringUTF8((IntPtr)buffer, Math.Max(0, new ReadOnlySpan<byte>(buffer, 256).IndexOf((byte)0))) : null;
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }
}
