namespace DeltaTui.Telemetry;

/// <summary>
/// The groups of NVML calls the sampler runs on a worker: find the visible devices once, then
/// read one device per tick. Unsupported fields are recorded, not thrown; codes that mean the
/// device is unreadable throw <see cref="NvmlException"/> so the breaker sees them.
/// </summary>
internal static class NvmlBatches
{
    public static void Enumerate(INvml nvml, BatchScratch scratch, string? cudaVisibleDevices)
    {
        scratch.Devices = null;
        scratch.DevicesNote = null;
        var rc = nvml.Init();
        if (rc is not (NvmlReturn.Success or NvmlReturn.AlreadyInitialized))
        {
            var detail = rc == NvmlReturn.LibraryNotFound ? nvml.LoadDiagnostics ?? "libnvidia-ml not found" : nvml.ErrorString(rc);
            throw new NvmlException(rc, "nvmlInit_v2", detail);
        }
        rc = nvml.GetDeviceCount(out var count);
        if (rc != NvmlReturn.Success) throw new NvmlException(rc, "nvmlDeviceGetCount_v2", nvml.ErrorString(rc));

        var all = new List<GpuDevice>((int)count);
        for (uint i = 0; i < count; i++)
        {
            rc = nvml.GetHandleByIndex(i, out var handle);
            if (rc != NvmlReturn.Success) throw new NvmlException(rc, "nvmlDeviceGetHandleByIndex_v2", $"device {i}: {nvml.ErrorString(rc)}");
            var name = nvml.GetName(handle, out var n) == NvmlReturn.Success ? n : $"GPU {i}";
            var uuid = nvml.GetUuid(handle, out var u) == NvmlReturn.Success ? u : "";
            all.Add(new GpuDevice((int)i, handle, name, uuid));
        }
        var (visible, note) = CudaVisibleDevices.Resolve(cudaVisibleDevices, all.Select(d => d.Uuid).ToArray());
        scratch.Devices = visible.Select(i => all[i]).ToList();
        scratch.DevicesNote = note;
    }

    public static void ReadDevice(INvml nvml, BatchScratch s, GpuDevice device)
    {
        var h = device.Handle;
        // Memory first: a lost GPU fails here, before the slower calls.
        s.MemoryRc = Check(nvml, nvml.GetMemoryInfo(h, out s.Memory), "nvmlDeviceGetMemoryInfo");
        s.UtilizationRc = Check(nvml, nvml.GetUtilizationRates(h, out s.Utilization), "nvmlDeviceGetUtilizationRates");
        s.PowerRc = Check(nvml, nvml.GetPowerUsage(h, out s.PowerMilliwatts), "nvmlDeviceGetPowerUsage");
        s.PowerLimitRc = Check(nvml, nvml.GetEnforcedPowerLimit(h, out s.PowerLimitMilliwatts), "nvmlDeviceGetEnforcedPowerLimit");
        s.TemperatureRc = Check(nvml, nvml.GetTemperature(h, out s.TemperatureC), "nvmlDeviceGetTemperature");
        s.SmClockRc = Check(nvml, nvml.GetClockInfo(h, NvmlClockType.Sm, out s.SmClockMHz), "nvmlDeviceGetClockInfo");
        s.MemoryClockRc = Check(nvml, nvml.GetClockInfo(h, NvmlClockType.Memory, out s.MemoryClockMHz), "nvmlDeviceGetClockInfo");
        if (device.MaxClocks is { } max)
        {
            (s.SmClockMaxMHz, s.MemoryClockMaxMHz) = max;
            s.SmClockMaxRc = s.MemoryClockMaxRc = NvmlReturn.Success;
        }
        else
        {
            s.SmClockMaxRc = Check(nvml, nvml.GetMaxClockInfo(h, NvmlClockType.Sm, out s.SmClockMaxMHz), "nvmlDeviceGetMaxClockInfo");
            s.MemoryClockMaxRc = Check(nvml, nvml.GetMaxClockInfo(h, NvmlClockType.Memory, out s.MemoryClockMaxMHz), "nvmlDeviceGetMaxClockInfo");
            if (s.SmClockMaxRc == NvmlReturn.Success && s.MemoryClockMaxRc == NvmlReturn.Success)
                device.MaxClocks = (s.SmClockMaxMHz, s.MemoryClockMaxMHz);
        }
        s.ClockEventsRc = Check(nvml, nvml.GetCurrentClocksEventReasons(h, out s.ClockEventReasons), "nvmlDeviceGetCurrentClocksEventReasons");
        s.SlowFieldsRead = device.ReadSlowFields;
        if (!s.SlowFieldsRead) return;
        s.PcieTxRc = Check(nvml, nvml.GetPcieThroughput(h, NvmlPcieCounter.TxBytes, out s.PcieTxKBps), "nvmlDeviceGetPcieThroughput");
        s.PcieRxRc = Check(nvml, nvml.GetPcieThroughput(h, NvmlPcieCounter.RxBytes, out s.PcieRxKBps), "nvmlDeviceGetPcieThroughput");
        ReadProcesses(nvml, s, h);
    }

    private static void ReadProcesses(INvml nvml, BatchScratch s, nint h)
    {
        s.ProcessCount = 0;
        uint count = 0;
        var rc = nvml.GetComputeRunningProcesses(h, [], ref count);
        // Processes come and go between the sizing call and the read; a few rounds settle it.
        for (var round = 0; rc == NvmlReturn.InsufficientSize && round < 3; round++)
        {
            if (s.Processes.Length < count) s.Processes = new NvmlProcessInfo[Math.Max((int)count + 4, s.Processes.Length * 2)];
            count = (uint)s.Processes.Length;
            rc = nvml.GetComputeRunningProcesses(h, s.Processes, ref count);
        }
        s.ProcessesRc = Check(nvml, rc, "nvmlDeviceGetComputeRunningProcesses_v3");
        if (rc == NvmlReturn.Success) s.ProcessCount = (int)Math.Min(count, (uint)s.Processes.Length);
    }

    private static NvmlReturn Check(INvml nvml, NvmlReturn rc, string function) =>
        NvmlReturnNames.IsDeviceFailure(rc) ? throw new NvmlException(rc, function, nvml.ErrorString(rc)) : rc;
}
