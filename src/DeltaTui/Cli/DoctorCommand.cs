using System.CommandLine;
using System.Text.Json;
using DeltaTui.Training.Config;
using DeltaTui.Training.Runtime;

namespace DeltaTui.Cli;

/// <summary><c>deltatui doctor</c>: is everything a run needs here? Exit code 0 only when it is.</summary>
public static class DoctorCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Paths and messages stay readable for people and jq alike.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var device = new Option<string>("--device")
        {
            Description = "The device a run would use: auto, cpu, cuda or cuda:N (cuda makes CUDA a requirement)",
            DefaultValueFactory = _ => "auto",
        };
        var config = new Option<string>("--config")
        {
            Description = "The config a run would use",
            DefaultValueFactory = _ => ConfigPaths.Demo,
        };
        var command = new Command("doctor", "Check .NET, TorchSharp, libtorch, CUDA, the native library and the config; exit 0 only when a run can start")
        {
            json, device, config,
        };
        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
            RuntimeReport report = RuntimeInspector.Inspect(environment);
            string configPath = ConfigPaths.Locate(parseResult.GetValue(config)!);
            DoctorVerdict verdict = DoctorVerdict.Evaluate(report, parseResult.GetValue(device)!, configPath,
                path => ConfigLoader.Load(ConfigSources.FromProcess([path], [])));

            if (parseResult.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(new { ready = verdict.Ready, checks = verdict.Checks, runtime = verdict.Runtime }, Json));
            else
                WriteText(output, verdict);
            return verdict.Ready ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static void WriteText(TextWriter output, DoctorVerdict verdict)
    {
        RuntimeReport r = verdict.Runtime;
        output.WriteLine("deltatui doctor");
        Row(output, ".NET", $"{r.DotNetVersion} ({r.DotNetHost})");
        Row(output, "TorchSharp", r.TorchSharpVersion);
        Row(output, "libtorch", $"{r.LibTorchVersion}, {r.LibTorchPath ?? "not loaded"} ({r.LibTorchOrigin})");
        Row(output, "CPU", $"{r.ProcessorCount} logical cores, torch uses {r.TorchThreads} threads");
        Row(output, "CUDA", r.Cuda.Available
            ? $"{r.Cuda.DeviceCount} device(s): {string.Join(", ", r.Cuda.DeviceNames)}; {(r.Cuda.Computes ? "computes" : r.Cuda.Note)}; libtorch_cuda {LoadedLibraries.PathOf("libtorch_cuda.so") ?? "not mapped"}"
            : $"not available: {r.Cuda.Note}");
        Row(output, "native library", r.Native.Loaded ? $"{r.Native.Backend} backend ({r.Native.Path})" : $"not found: {r.Native.Error}");
        Row(output, "compat runtime", r.Compat.InUse
            ? $"in use ({r.Compat.Directory ?? "private loader"}; loader {r.Compat.LoaderPath}; libstdc++ {r.Compat.LibStdCxxPath})"
            : $"not in use (loader {r.Compat.LoaderPath}, glibc {r.Compat.GlibcVersion})");
        output.WriteLine();
        foreach (DoctorCheck check in verdict.Checks)
        {
            string mark = check.Passed ? "ok  " : check.Required ? "FAIL" : "warn";
            output.WriteLine($"  [{mark}] {check.Name,-15} {check.Detail}");
        }
        int failed = verdict.Checks.Count(c => c.Required && !c.Passed);
        output.WriteLine();
        output.WriteLine(verdict.Ready ? "ready: a run can start" : $"not ready: {failed} required check(s) failed");
    }

    private static void Row(TextWriter output, string name, string value) => output.WriteLine($"  {name,-15} {value}");
}
