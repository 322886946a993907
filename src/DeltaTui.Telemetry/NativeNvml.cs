using System.Runtime.InteropServices;

namespace DeltaTui.Telemetry;

/// <summary>
/// <see cref="INvml"/> over the real libnvidia-ml. A missing library answers LibraryNotFound and a
/// missing export FunctionNotFound, so both surface as N/A rather than as exceptions.
/// </summary>
public sealed unsafe class NativeNvml : INvml
{
    /// <summary>NVML_DEVICE_NAME_V2_BUFFER_SIZE and NVML_DEVICE_UUID_V2_BUFFER_SIZE.</summary>
    private const int StringBufferSize = 96;

    public string? LoadDiagnostics => NvmlLibrary.Diagnostics;

    public NvmlReturn Init()
    {
        if (NvmlLibrary.Handle == 0) return NvmlReturn.LibraryNotFound;
        return Has("nvmlInit_v2") ? NvmlNative.Init() : NvmlReturn.FunctionNotFound;
    }

    public NvmlReturn Shutdown() => Has("nvmlShutdown") ? NvmlNative.Shutdown() : NvmlReturn.FunctionNotFound;

    public string ErrorString(NvmlReturn code)
    {
        if (!Has("nvmlErrorString")) return NvmlReturnNames.Name(code);
        var text = Marshal.PtrToStringUTF8(NvmlNative.ErrorString(code));
        return string.IsNullOrEmpty(text) ? NvmlReturnNames.Name(code) : text;
    }

    public NvmlReturn GetDeviceCount(out uint count)
    {
        uint value = 0;
        var rc = Has("nvmlDeviceGetCount_v2") ? NvmlNative.DeviceGetCount(&value) : NvmlReturn.FunctionNotFound;
        count = value;
        return rc;
    }

    public NvmlReturn GetHandleByIndex(uint index, out nint device)
    {
        nint value = 0;
        var rc = Has("nvmlDeviceGetHandleByIndex_v2") ? NvmlNative.DeviceGetHandleByIndex(index, &value) : NvmlReturn.FunctionNotFound;
        device = value;
        return rc;
    }

    public NvmlReturn GetUuid(nint device, out string uuid)
    {
        var buffer = stackalloc byte[StringBufferSize];
        var rc = Has("nvmlDeviceGetUUID") ? NvmlNative.DeviceGetUuid(device, buffer, StringBufferSize) : NvmlReturn.FunctionNotFound;
        uuid = rc == NvmlReturn.Success ? Marshal.PtrToStringUTF8((nint)buffer) ?? "" : "";
        return rc;
    }

    public NvmlReturn GetName(nint device, out string name)
    {
        var buffer = stackalloc byte[StringBufferSize];
        var rc = Has("nvmlDeviceGetName") ? NvmlNative.DeviceGetName(device, buffer, StringBufferSize) : NvmlReturn.FunctionNotFound;
        name = rc == NvmlReturn.Success ? Marshal.PtrToStringUTF8((nint)buffer) ?? "" : "";
        return rc;
    }

    public NvmlReturn GetUtilizationRates(nint device, out NvmlUtilization utilization)
    {
        NvmlUtilization value = default;
        var rc = Has("nvmlDeviceGetUtilizationRates") ? NvmlNative.DeviceGetUtilizationRates(device, &value) : NvmlReturn.FunctionNotFound;
        utilization = value;
        return rc;
    }

    public NvmlReturn GetMemoryInfo(nint device, out NvmlMemory memory)
    {
        NvmlMemory value = default;
        var rc = Has("nvmlDeviceGetMemoryInfo") ? NvmlNative.DeviceGetMemoryInfo(device, &value) : NvmlReturn.FunctionNotFound;
        memory = value;
        return rc;
    }

    public NvmlReturn GetPowerUsage(nint device, out uint milliwatts)
    {
        uint value = 0;
        var rc = Has("nvmlDeviceGetPowerUsage") ? NvmlNative.DeviceGetPowerUsage(device, &value) : NvmlReturn.FunctionNotFound;
        milliwatts = value;
        return rc;
    }

    public NvmlReturn GetEnforcedPowerLimit(nint device, out uint milliwatts)
    {
        uint value = 0;
        var rc = Has("nvmlDeviceGetEnforcedPowerLimit") ? NvmlNative.DeviceGetEnforcedPowerLimit(device, &value) : NvmlReturn.FunctionNotFound;
        milliwatts = value;
        return rc;
    }

    public NvmlReturn GetTemperature(nint device, out int celsius)
    {
        if (Has("nvmlDeviceGetTemperatureV"))
        {
            var reading = new NvmlTemperatureV1 { Version = NvmlTemperatureV1.Version1, SensorType = 0 };
            var rc = NvmlNative.DeviceGetTemperatureV(device, &reading);
            celsius = reading.Temperature;
            // A driver that exports the call but predates this struct version answers this; the old call still works there.
            if (rc != NvmlReturn.ArgumentVersionMismatch) return rc;
        }
        uint value = 0;
        var legacy = Has("nvmlDeviceGetTemperature") ? NvmlNative.DeviceGetTemperature(device, 0, &value) : NvmlReturn.FunctionNotFound;
        celsius = (int)value;
        return legacy;
    }

    public NvmlReturn GetClockInfo(nint device, NvmlClockType type, out uint mhz)
    {
        uint value = 0;
        var rc = Has("nvmlDeviceGetClockInfo") ? NvmlNative.DeviceGetClockInfo(device, type, &value) : NvmlReturn.FunctionNotFound;
        mhz = value;
        return rc;
    }

    public NvmlReturn GetMaxClockInfo(nint device, NvmlClockType type, out uint mhz)
    {
        uint value = 0;
        var rc = Has("nvmlDeviceGetMaxClockInfo") ? NvmlNative.DeviceGetMaxClockInfo(device, type, &value) : NvmlReturn.FunctionNotFound;
        mhz = value;
        return rc;
    }

    public NvmlReturn GetCurrentClocksEventReasons(nint device, out ulong reasons)
    {
        ulong value = 0;
        NvmlReturn rc;
        if (Has("nvmlDeviceGetCurrentClocksEventReasons")) rc = NvmlNative.DeviceGetCurrentClocksEventReasons(device, &value);
        else if (Has("nvmlDeviceGetCurrentClocksThrottleReasons")) rc = NvmlNative.DeviceGetCurrentClocksThrottleReasons(device, &value);
        else rc = NvmlReturn.FunctionNotFound;
        reasons = value;
        return rc;
    }

    public NvmlReturn GetPcieThroughput(nint device, NvmlPcieCounter counter, out uint kilobytesPerSecond)
    {
        uint value = 0;
        var rc = Has("nvmlDeviceGetPcieThroughput") ? NvmlNative.DeviceGetPcieThroughput(device, counter, &value) : NvmlReturn.FunctionNotFound;
        kilobytesPerSecond = value;
        return rc;
    }

    public NvmlReturn GetComputeRunningProcesses(nint device, Span<NvmlProcessInfo> buffer, ref uint count)
    {
        if (!Has("nvmlDeviceGetComputeRunningProcesses_v3")) return NvmlReturn.FunctionNotFound;
        var n = Math.Min(count, (uint)buffer.Length);
        fixed (NvmlProcessInfo* infos = buffer)
        {
            var rc = NvmlNative.DeviceGetComputeRunningProcessesV3(device, &n, n == 0 ? null : infos);
            count = n;
            return rc;
        }
    }

    private static bool Has(string symbol) => NvmlLibrary.HasExport(symbol);
}
