namespace DeltaTui.Torch.Interop;

/// <summary>Whether libdeltatui_native loads here, and what it can do.</summary>
public static class NativeBackend
{
    private static readonly Lazy<NativeBackendStatus> status = new(Probe);

    public static NativeBackendStatus Status => status.Value;

    public static bool IsAvailable => Status.Available;

    private static unsafe NativeBackendStatus Probe()
    {
        try
        {
            DtnBackendInfo info = default;
            NativeMethods.Check(NativeMethods.dtn_backend_info_get(&info), "dtn_backend_info_get");
            if (info.AbiVersion != DtnConstants.AbiVersion)
                return new NativeBackendStatus(false, false, 0, 0,
                    $"libdeltatui_native has ABI version {info.AbiVersion}, this build expects {DtnConstants.AbiVersion}; rebuild src/Native");
            return new NativeBackendStatus(true, info.CudaCompiled != 0, info.CudaDeviceCount, info.OpenMpThreads, null)
            {
                TokenLogProbsOnCuda = info.TokenLogProbsCuda != 0,
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or NativeCallException)
        {
            return new NativeBackendStatus(false, false, 0, 0, e.Message);
        }
    }
}
