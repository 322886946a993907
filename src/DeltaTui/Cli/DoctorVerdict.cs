using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using DeltaTui.Torch.Runtime;

namespace DeltaTui.Cli;

/// <summary>Turns a runtime report into checks: what a run on <paramref name="device"/> with a given config needs, and whether it is there.</summary>
public sealed record DoctorVerdict(IReadOnlyList<DoctorCheck> Checks, RuntimeReport Runtime)
{
    public bool Ready => Checks.Where(c => c.Required).All(c => c.Passed);

    /// <param name="device">The device a run would use; null takes the config's run.device.</param>
    /// <param name="preflight">What the config's run would open (model, tokenizer, data, outputs); null skips those checks.</param>
    /// <param name="prerequisites">Build and test tools (warnings only).</param>
    public static DoctorVerdict Evaluate(RuntimeReport report, string? device, string configPath, Func<string, DeltaTuiOptions> loadConfig,
        Func<DeltaTuiOptions, IReadOnlyList<PreflightCheck>>? preflight = null, IReadOnlyList<DoctorCheck>? prerequisites = null)
    {
        var (configCheck, options) = ConfigCheck(configPath, loadConfig);
        var checks = new List<DoctorCheck>
        {
            report.TorchWorks
                ? new DoctorCheck("torch", true, true, $"TorchSharp {report.TorchSharpVersion} computes on the CPU with libtorch {report.LibTorchVersion} ({report.LibTorchOrigin})")
                : new DoctorCheck("torch", false, true, $"TorchSharp does not start: {report.TorchError}"),
            CudaCheck(report.Cuda, device ?? options?.Run.Device ?? "auto"),
            report.Native.Loaded
                ? new DoctorCheck("native library", true, true, $"{report.Native.Backend} backend, ABI {report.Native.AbiVersion}, {report.Native.OpenMpThreads} OpenMP threads, {report.Native.Path}")
                : new DoctorCheck("native library", false, true, $"{report.Native.Error}; rebuild with `dotnet build` (needs cmake and g++)"),
            configCheck,
        };
        if (options is not null && preflight is not null)
            checks.AddRange(preflight(options).Select(c => new DoctorCheck(c.Name, c.Passed, true, c.Detail)));
        checks.Add(new DoctorCheck("compat runtime", true, false, report.Compat.InUse
            ? $"in use: loader {report.Compat.LoaderPath}, glibc {report.Compat.GlibcVersion}"
            : $"not needed: system loader, glibc {report.Compat.GlibcVersion}"));
        if (prerequisites is not null) checks.AddRange(prerequisites);
        return new DoctorVerdict(checks, report);
    }

    private static DoctorCheck CudaCheck(CudaInfo cuda, string device)
    {
        bool required = device.StartsWith("cuda", StringComparison.Ordinal);
        if (!cuda.Available)
            return new DoctorCheck("cuda", !required, required, required
                ? $"run.device is {device}, but CUDA is not available: {cuda.Note}"
                : $"not available ({cuda.Note}); runs use the CPU");
        int index = device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], out int n) ? n : 0;
        string devices = string.Join(", ", cuda.DeviceNames.Select((name, i) => $"{i}: {name}"));
        if (!cuda.Computes)
            return new DoctorCheck("cuda", !required, required, $"{cuda.DeviceCount} device(s) ({devices}), but {cuda.Note}");
        return index < cuda.DeviceCount
            ? new DoctorCheck("cuda", true, required, $"{cuda.DeviceCount} device(s): {devices}")
            : new DoctorCheck("cuda", false, required, $"run.device is {device}, but only {cuda.DeviceCount} device(s) are visible: {devices}");
    }

    private static (DoctorCheck Check, DeltaTuiOptions? Options) ConfigCheck(string path, Func<string, DeltaTuiOptions> loadConfig)
    {
        try
        {
            DeltaTuiOptions options = loadConfig(path);
            return (new DoctorCheck("config", true, true, $"{path} is valid (model {options.Model.Path}, data {options.Data.Path})"), options);
        }
        catch (ConfigException e)
        {
            return (new DoctorCheck("config", false, true, string.Join("; ", e.Problems)), null);
        }
    }
}
