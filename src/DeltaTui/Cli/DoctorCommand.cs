using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using DeltaTui.Gemma;
using DeltaTui.Torch.Runtime;
using DeltaTui.Validation;
using TorchSharp;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui doctor [--validate]</c>: is everything a run needs here? With --validate, does the real work also give the
/// right numbers (see <see cref="EnvironmentValidation"/>)? Exit code 0 only when everything is in order.
/// </summary>
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
            Description = "The device a run would use: auto, cpu, cuda or cuda:N (cuda makes CUDA a requirement; default: the config's run.device); --validate runs there",
            DefaultValueFactory = _ => "auto",
        };
        var config = new Option<string>("--config")
        {
            Description = "The config a run would use",
            DefaultValueFactory = _ => ConfigPaths.Demo,
        };
        var validate = new Option<bool>("--validate")
        {
            Description = "Also run the real work and check the numbers: native BSR-AdamW against its reference on the Gemma-3 270M shapes, then DPO steps of the embedded default",
        };
        var defaults = new ValidationOptions();
        var validateSteps = new Option<int>("--validate-steps")
        {
            Description = $"BSR-AdamW steps of the fp32 comparison (the bf16 pass takes a fifth); default {defaults.BsrSteps}",
            DefaultValueFactory = _ => defaults.BsrSteps,
        };
        var validateLayers = new Option<int>("--validate-layers")
        {
            Description = $"Decoder layers of the 270M shapes to compare on, 0..{Gemma270mWeightShapes.Layers}; default all {defaults.Layers}",
            DefaultValueFactory = _ => defaults.Layers,
        };
        var validateEmbedding = new Option<bool>("--validate-embedding")
        {
            Description = "Include the 262144 x 640 embedding in the comparison (true or false); default true",
            DefaultValueFactory = _ => defaults.Embedding,
        };
        var validateDpoSteps = new Option<int>("--validate-dpo-steps")
        {
            Description = $"DPO steps of the embedded default; default {defaults.DpoSteps}",
            DefaultValueFactory = _ => defaults.DpoSteps,
        };
        var command = new Command("doctor", "Check .NET, TorchSharp, libtorch, CUDA, the native library, the config and what its run would open (model, tokenizer, data, output folders and disk); exit 0 only when a run can start")
        {
            json, device, config, validate, validateSteps, validateLayers, validateEmbedding, validateDpoSteps,
        };
        // The same --section.key value overrides as train, so doctor checks exactly the run that would start.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parseResult, cancellationToken) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            ValidationOptions? validation = null;
            if (parseResult.GetValue(validate))
            {
                validation = new ValidationOptions
                {
                    Device = parseResult.GetValue(device)!,
                    BsrSteps = parseResult.GetValue(validateSteps),
                    Layers = parseResult.GetValue(validateLayers),
                    Embedding = parseResult.GetValue(validateEmbedding),
                    DpoSteps = parseResult.GetValue(validateDpoSteps),
                };
                if (ValidationProblem(validation) is { } problem)
                {
                    error.WriteLine($"deltatui doctor: {problem}");
                    return Task.FromResult(ExitCodes.Usage);
                }
            }

            var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
            RuntimeReport report = RuntimeInspector.Inspect(environment);
            string configPath = ConfigPaths.Locate(parseResult.GetValue(config)!);
            // Without --device, the config's run.device is the device the run would use.
            bool deviceGiven = parseResult.GetResult(device) is { Implicit: false };
            var overrides = parseResult.UnmatchedTokens.ToList();
            DoctorVerdict verdict = DoctorVerdict.Evaluate(report, deviceGiven ? parseResult.GetValue(device)! : null, configPath,
                path => ConfigLoader.Load(ConfigSources.FromProcess([path], overrides)),
                RunPreflight.Check, Prerequisites.Check(report.Compat.InUse));

            bool asJson = parseResult.GetValue(json);
            if (!asJson)
                WriteText(output, verdict);
            ValidationReport? validated = validation is null ? null
                : report.TorchWorks ? Validate(validation, asJson ? null : output, cancellationToken)
                : CannotValidate($"TorchSharp does not start: {report.TorchError}", asJson ? null : output);
            if (asJson)
            {
                object document = validated is null
                    ? new { ready = verdict.Ready, checks = verdict.Checks, runtime = verdict.Runtime }
                    : new { ready = verdict.Ready, checks = verdict.Checks, runtime = verdict.Runtime, validate = new { passed = validated.Passed, validated.Device, validated.ElapsedSeconds, checks = validated.Checks } };
                output.WriteLine(JsonSerializer.Serialize(document, Json));
            }
            bool passed = verdict.Ready && (validated is null || validated.Passed);
            return Task.FromResult(passed ? ExitCodes.Success : ExitCodes.Failure);
        });
        return command;
    }

    private static string? ValidationProblem(ValidationOptions options)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(options.Device, @"^(auto|cpu|cuda(:\d+)?)$"))
            return $"--device must be auto, cpu, cuda or cuda:N to validate on it, got '{options.Device}'";
        if (options.BsrSteps < 1) return $"--validate-steps must be at least 1, got {options.BsrSteps}";
        if (options.Layers is < 0 or > Gemma270mWeightShapes.Layers)
            return $"--validate-layers must be 0..{Gemma270mWeightShapes.Layers} (Gemma-3 270M's decoder layers), got {options.Layers}";
        if (options.Layers == 0 && !options.Embedding) return "--validate-layers 0 with --validate-embedding false leaves no 2-D weight to compare BSR-AdamW on";
        if (options.DpoSteps < 2) return $"--validate-dpo-steps must be at least 2 (the loss has to decrease), got {options.DpoSteps}";
        return null;
    }

    /// <summary>Runs the validation; with <paramref name="output"/>, prints what it is about to do and each result as it comes.</summary>
    private static ValidationReport Validate(ValidationOptions options, TextWriter? output, CancellationToken cancellationToken)
    {
        // The first Ctrl+C stops the check in flight at its next step, so that the DPO run's temporary folder is
        // removed; a second one ends the process as usual.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        });
        if (output is not null)
        {
            var device = EnvironmentValidation.ResolveDevice(options);
            var shapes = EnvironmentValidation.Shapes(options);
            long parameters = shapes.Sum(s => s.Shape.Aggregate(1L, (a, b) => a * b));
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"validate on {device}: BSR-AdamW native vs reference for {options.BsrSteps} fp32 and {options.Bf16Steps} bf16 step(s) on {shapes.Count} Gemma-3 270M tensors ({parameters:N0} parameters), then {options.DpoSteps} DPO steps of the embedded default"));
            if (device.type == DeviceType.CPU && parameters > 50_000_000)
                output.WriteLine("  (on a CPU this takes many minutes; --validate-layers N and --validate-embedding false make it smaller)");
            output.Flush();
        }
        ValidationReport report = EnvironmentValidation.Run(options, result =>
        {
            if (output is null) return;
            WriteResult(output, result);
            output.Flush();
        }, cancel.Token);
        if (output is not null)
        {
            int failed = report.Checks.Count(c => !c.Passed);
            output.WriteLine();
            string seconds = report.ElapsedSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            output.WriteLine(failed == 0 ? $"validate: passed in {seconds} s" : $"validate: {failed} of {report.Checks.Count} check(s) failed ({seconds} s)");
        }
        return report;
    }

    private static ValidationReport CannotValidate(string reason, TextWriter? output)
    {
        var result = new ValidationResult("validate", false, reason, 0);
        if (output is not null)
        {
            output.WriteLine();
            WriteResult(output, result);
            output.WriteLine();
            output.WriteLine("validate: could not run");
        }
        return new ValidationReport("none", [result], 0);
    }

    private static void WriteResult(TextWriter output, ValidationResult result) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  [{(result.Passed ? "ok  " : "FAIL")}] {result.Name,-15} {result.Detail}  {result.ElapsedSeconds:0.0} s"));

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
