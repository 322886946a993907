namespace DeltaTui.Telemetry;

/// <summary>
/// The C names of NVML return codes ("NVML_ERROR_GPU_IS_LOST"): what users search for, and static
/// strings, so tagging a field as N/A allocates nothing.
/// </summary>
public static class NvmlReturnNames
{
    public static string Name(NvmlReturn code) => code switch
    {
        NvmlReturn.Success => "NVML_SUCCESS",
        NvmlReturn.Uninitialized => "NVML_ERROR_UNINITIALIZED",
        NvmlReturn.InvalidArgument => "NVML_ERROR_INVALID_ARGUMENT",
        NvmlReturn.NotSupported => "NVML_ERROR_NOT_SUPPORTED",
        NvmlReturn.NoPermission => "NVML_ERROR_NO_PERMISSION",
        NvmlReturn.AlreadyInitialized => "NVML_ERROR_ALREADY_INITIALIZED",
        NvmlReturn.NotFound => "NVML_ERROR_NOT_FOUND",
        NvmlReturn.InsufficientSize => "NVML_ERROR_INSUFFICIENT_SIZE",
        NvmlReturn.InsufficientPower => "NVML_ERROR_INSUFFICIENT_POWER",
        NvmlReturn.DriverNotLoaded => "NVML_ERROR_DRIVER_NOT_LOADED",
        NvmlReturn.Timeout => "NVML_ERROR_TIMEOUT",
        NvmlReturn.IrqIssue => "NVML_ERROR_IRQ_ISSUE",
        NvmlReturn.LibraryNotFound => "NVML_ERROR_LIBRARY_NOT_FOUND",
        NvmlReturn.FunctionNotFound => "NVML_ERROR_FUNCTION_NOT_FOUND",
        NvmlReturn.CorruptedInforom => "NVML_ERROR_CORRUPTED_INFOROM",
        NvmlReturn.GpuIsLost => "NVML_ERROR_GPU_IS_LOST",
        NvmlReturn.ResetRequired => "NVML_ERROR_RESET_REQUIRED",
        NvmlReturn.OperatingSystem => "NVML_ERROR_OPERATING_SYSTEM",
        NvmlReturn.LibRmVersionMismatch => "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
        NvmlReturn.InUse => "NVML_ERROR_IN_USE",
        NvmlReturn.Memory => "NVML_ERROR_MEMORY",
        NvmlReturn.NoData => "NVML_ERROR_NO_DATA",
        NvmlReturn.VgpuEccNotSupported => "NVML_ERROR_VGPU_ECC_NOT_SUPPORTED",
        NvmlReturn.InsufficientResources => "NVML_ERROR_INSUFFICIENT_RESOURCES",
        NvmlReturn.FreqNotSupported => "NVML_ERROR_FREQ_NOT_SUPPORTED",
        NvmlReturn.ArgumentVersionMismatch => "NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
        NvmlReturn.Deprecated => "NVML_ERROR_DEPRECATED",
        NvmlReturn.NotReady => "NVML_ERROR_NOT_READY",
        NvmlReturn.GpuNotFound => "NVML_ERROR_GPU_NOT_FOUND",
        NvmlReturn.InvalidState => "NVML_ERROR_INVALID_STATE",
        NvmlReturn.Unknown => "NVML_ERROR_UNKNOWN",
        _ => "NVML_ERROR_" + ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Codes that mean the device (or the driver) cannot be read at all, as opposed to one field
    /// being unsupported: these count as failures for the circuit breaker.
    /// </summary>
    public static bool IsDeviceFailure(NvmlReturn code) => code is
        NvmlReturn.GpuIsLost or NvmlReturn.Uninitialized or NvmlReturn.DriverNotLoaded
        or NvmlReturn.Timeout or NvmlReturn.LibRmVersionMismatch or NvmlReturn.ResetRequired
        or NvmlReturn.IrqIssue or NvmlReturn.Unknown or NvmlReturn.LibraryNotFound;

    /// <summary>Failures worth an immediate second try: the driver was busy, not broken.</summary>
    public static bool IsTransient(NvmlReturn code) => code is NvmlReturn.Timeout or NvmlReturn.Unknown or NvmlReturn.InUse;
}
