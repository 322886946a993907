using System.Text.Json;
using DeltaTui.Torch.Runtime;
using Xunit;

namespace DeltaTui.Tests.Cli;

public class DoctorCommandTests
{
    [Fact]
    public async Task Given_this_machine_When_running_doctor_Then_torch_computes_on_the_cpu_and_the_exit_code_follows_the_required_checks()
    {
        CliRun run = await CliRun.Of("doctor");

        Assert.Contains("[ok  ] torch", run.Output);
        Assert.Contains("computes on the CPU", run.Output);
        Assert.Contains("[ok  ] config", run.Output);
        bool nativeFound = NativeLibraryProbe.Probe().Loaded;
        Assert.Equal(nativeFound ? 0 : 1, run.ExitCode);
        Assert.EndsWith(nativeFound ? "ready: a run can start" : "not ready: 1 required check(s) failed", run.Output.TrimEnd());
    }

    [Fact]
    public async Task Given_json_output_When_running_doctor_Then_it_names_the_libtorch_this_process_mapped()
    {
        CliRun run = await CliRun.Of("doctor", "--json");

        using JsonDocument report = JsonDocument.Parse(run.Output);
        JsonElement runtime = report.RootElement.GetProperty("runtime");
        string libtorch = runtime.GetProperty("lib_torch_path").GetString()!;
        Assert.True(runtime.GetProperty("torch_works").GetBoolean());
        Assert.Equal("0.107.0", runtime.GetProperty("torch_sharp_version").GetString());
        Assert.Equal("bundled with TorchSharp", runtime.GetProperty("lib_torch_origin").GetString());
        Assert.Equal([libtorch], LoadedLibraries.PathsOf("libtorch_cpu.so"));
        Assert.True(File.Exists(libtorch));
        Assert.Equal(Environment.ProcessorCount, runtime.GetProperty("processor_count").GetInt32());
        Assert.Equal(Environment.Version.ToString(), runtime.GetProperty("dot_net_version").GetString());
        JsonElement torchCheck = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "torch");
        Assert.True(torchCheck.GetProperty("passed").GetBoolean());
        Assert.False(report.RootElement.TryGetProperty("validate", out _));
    }

    // One decoder layer without the embedding and a handful of steps: the whole path in seconds on two cores.
    private static readonly string[] SmallValidation =
        ["--validate", "--device", "cpu", "--validate-layers", "1", "--validate-embedding", "false", "--validate-steps", "2", "--validate-dpo-steps", "5"];

    [Fact]
    public async Task Given_validate_on_a_small_cpu_slice_When_running_doctor_Then_a_table_follows_the_report_with_every_check_passing()
    {
        CliRun run = await CliRun.Of(["doctor", .. SmallValidation]);

        Assert.True(NativeLibraryProbe.Probe().Loaded, "the native library is part of the build");
        Assert.Equal(0, run.ExitCode);
        string[] lines = run.Output.Split('\n', StringSplitOptions.TrimEntries);
        int ready = Array.IndexOf(lines, "ready: a run can start");
        Assert.Contains("validate on cpu: BSR-AdamW native vs reference for 2 fp32 and 1 bf16 step(s) on 14 Gemma-3 270M tensors (5,574,272 parameters), then 5 DPO steps of the embedded default",
            lines[(ready + 1)..]);
        string[] rows = lines.Where(l => l.StartsWith("[ok  ]", StringComparison.Ordinal) || l.StartsWith("[FAIL]", StringComparison.Ordinal)).ToArray()[^3..];
        Assert.StartsWith("[ok  ] bsr-adamw fp32  native-cpu = reference: max ‖native − reference‖/‖reference‖ ", rows[0]);
        Assert.StartsWith("[ok  ] bsr-adamw bf16  native-cpu = reference: ", rows[1]);
        Assert.StartsWith("[ok  ] dpo default     loss 0.6931 at step 1 (ln 2 = 0.6931), ", rows[2]);
        Assert.All(rows, r => Assert.Matches(@"  \d+\.\d s$", r));
        Assert.Matches(@"^validate: passed in \d+\.\d s$", lines.Last(l => l.Length > 0));
    }

    [Fact]
    public async Task Given_validate_and_json_When_running_doctor_Then_the_validate_results_are_in_the_document()
    {
        CliRun run = await CliRun.Of(["doctor", "--json", .. SmallValidation]);

        using JsonDocument report = JsonDocument.Parse(run.Output);
        JsonElement validate = report.RootElement.GetProperty("validate");
        Assert.Equal("cpu", validate.GetProperty("device").GetString());
        JsonElement[] checks = validate.GetProperty("checks").EnumerateArray().ToArray();
        Assert.Equal(["bsr-adamw fp32", "bsr-adamw bf16", "dpo default"], checks.Select(c => c.GetProperty("name").GetString()));
        Assert.All(checks, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetProperty("detail").GetString()));
        Assert.All(checks, c => Assert.True(c.GetProperty("elapsed_seconds").GetDouble() > 0));
        Assert.True(validate.GetProperty("passed").GetBoolean());
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task Given_no_cuda_When_validating_on_cuda_Then_every_check_fails_with_the_reason_and_the_exit_code_is_1()
    {
        Assert.SkipWhen(TorchSharp.torch.cuda.is_available(), "CUDA is available here, so validating on it is real work");

        CliRun run = await CliRun.Of("doctor", "--validate", "--device", "cuda");

        Assert.Equal(1, run.ExitCode);
        string[] rows = run.Output.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith("[FAIL] bsr", StringComparison.Ordinal) || l.StartsWith("[FAIL] dpo", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            ["[FAIL] bsr-adamw fp32  cuda was asked for, but CUDA is not available  0.0 s",
             "[FAIL] bsr-adamw bf16  cuda was asked for, but CUDA is not available  0.0 s",
             "[FAIL] dpo default     cuda was asked for, but CUDA is not available  0.0 s"], rows);
        Assert.EndsWith("validate: 3 of 3 check(s) failed (0.0 s)", run.Output.TrimEnd());
    }

    [Theory]
    [InlineData("--validate-layers", "19", "--validate-layers must be 0..18 (Gemma-3 270M's decoder layers), got 19")]
    [InlineData("--validate-steps", "0", "--validate-steps must be at least 1, got 0")]
    [InlineData("--validate-dpo-steps", "1", "--validate-dpo-steps must be at least 2 (the loss has to decrease), got 1")]
    [InlineData("--device", "gpu", "--device must be auto, cpu, cuda or cuda:N to validate on it, got 'gpu'")]
    public async Task Given_a_validate_option_out_of_range_When_running_doctor_Then_nothing_runs_and_the_option_is_named(string option, string value, string message)
    {
        CliRun run = await CliRun.Of("doctor", "--validate", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"deltatui doctor: {message}", run.Error.Trim());
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Given_the_compat_runtime_variable_When_running_doctor_Then_compat_use_matches_the_loader_actually_mapped()
    {
        CliRun run = await CliRun.Of("doctor", "--json");

        using JsonDocument report = JsonDocument.Parse(run.Output);
        JsonElement compat = report.RootElement.GetProperty("runtime").GetProperty("compat");
        string loader = compat.GetProperty("loader_path").GetString()!;
        Assert.Equal(LoadedLibraries.PathOf("ld-linux-x86-64.so.2"), loader);
        bool systemLoader = loader.StartsWith("/lib", StringComparison.Ordinal) || loader.StartsWith("/usr/lib", StringComparison.Ordinal);
        Assert.Equal(!systemLoader, compat.GetProperty("in_use").GetBoolean());
    }

    [Fact]
    public async Task Given_an_invalid_config_When_running_doctor_Then_it_is_not_ready_and_names_key_and_file()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("deltatui-doctor-").FullName, "bad.json");
        await File.WriteAllTextAsync(path, """{"optimizer": {"type": "sgd"}}""", TestContext.Current.CancellationToken);

        CliRun run = await CliRun.Of("doctor", "--config", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"[FAIL] config          optimizer.type: expects one of adamw, bsr-adamw; got 'sgd' ({path} line 1)", run.Output);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public async Task Given_a_libtorch_folder_that_does_not_exist_When_starting_Then_nothing_starts_and_the_folder_is_named()
    {
        CliRun run = await CliRun.Of("doctor", "--libtorch", "/nonexistent/torch/lib");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal("deltatui: --libtorch names '/nonexistent/torch/lib', which is not a folder", run.Error.Trim());
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Given_a_folder_without_libtorch_When_starting_Then_the_missing_libraries_are_listed()
    {
        string folder = Directory.CreateTempSubdirectory("deltatui-notorch-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "libc10.so"), "", TestContext.Current.CancellationToken);

        CliRun run = await CliRun.Of("doctor", $"--libtorch={folder}");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("which lacks libtorch_cpu.so, libtorch.so", run.Error);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Given_a_build_that_bundles_libtorch_When_another_folder_is_chosen_Then_it_refuses_instead_of_mapping_two_copies()
    {
        // Any complete-looking folder will do: the refusal comes before anything is loaded.
        string folder = Directory.CreateTempSubdirectory("deltatui-othertorch-").FullName;
        foreach (string name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            await File.WriteAllTextAsync(Path.Combine(folder, name), "", TestContext.Current.CancellationToken);

        CliRun run = await CliRun.Of("doctor", "--libtorch", folder);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("this build bundles libtorch", run.Error);
        Assert.Contains("-p:TorchBackend=external", run.Error);
        IReadOnlyList<string> mapped = LoadedLibraries.PathsOf("libtorch_cpu.so");
        Assert.True(mapped.Count <= 1, string.Join(", ", mapped));
        Assert.DoesNotContain(mapped, p => p.StartsWith(folder, StringComparison.Ordinal));
        Directory.Delete(folder, recursive: true);
    }
}
