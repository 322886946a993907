using System.Diagnostics;
using System.Text.Json;
using DeltaTui.Training.Config;
using Xunit;

namespace DeltaTui.Tests.Cli;

/// <summary>
/// The libtorch-folder route end to end, in a child process (a process can load only one libtorch):
/// an app folder without a bundled libtorch, as <c>-p:TorchBackend=external</c> builds it, pointed at
/// the libtorch of the NuGet cache, which lives in a different folder from anything the app ships.
/// </summary>
public sealed class LibTorchPreloadTests : IDisposable
{
    private readonly string _app = Directory.CreateTempSubdirectory("deltatui-external-app-").FullName;

    public void Dispose() => Directory.Delete(_app, recursive: true);

    [Fact]
    public async Task Given_an_app_without_bundled_libtorch_When_a_libtorch_folder_is_chosen_Then_torch_runs_on_that_folder_only()
    {
        string libtorch = NuGetLibTorchFolder();
        CopyAppWithoutLibTorch(AppContext.BaseDirectory, _app);

        (int exitCode, string output, string error) = await RunAppAsync(
            "doctor", "--json", "--libtorch", libtorch, "--config", ConfigPaths.Locate(ConfigPaths.Demo));

        Assert.True(output.StartsWith('{'), $"exit {exitCode}; stderr: {error}; stdout: {output}");
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement runtime = report.RootElement.GetProperty("runtime");
        Assert.True(runtime.GetProperty("torch_works").GetBoolean(), runtime.GetProperty("torch_error").GetString());
        Assert.Equal(Path.Combine(libtorch, "libtorch_cpu.so"), runtime.GetProperty("lib_torch_path").GetString());
        Assert.Equal("--libtorch", runtime.GetProperty("lib_torch_origin").GetString());
    }

    [Fact]
    public async Task Given_an_app_without_bundled_libtorch_When_none_is_chosen_or_on_the_loader_path_Then_it_says_how_to_choose_one()
    {
        CopyAppWithoutLibTorch(AppContext.BaseDirectory, _app);

        (int exitCode, string output, string error) = await RunAppAsync("doctor");

        Assert.Equal(3, exitCode);
        Assert.Empty(output);
        Assert.Contains("this build has no libtorch of its own (TorchBackend=external): set DELTATUI_LIBTORCH or --libtorch", error);
    }

    private static string NuGetLibTorchFolder()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string package = Path.Combine(packages, "libtorch-cpu-linux-x64");
        string? folder = Directory.Exists(package)
            ? Directory.GetDirectories(package).Select(v => Path.Combine(v, "runtimes", "linux-x64", "native")).FirstOrDefault(Directory.Exists)
            : null;
        return folder ?? throw new DirectoryNotFoundException($"no libtorch-cpu-linux-x64 package under {packages}; restore the solution first");
    }

    /// <summary>The managed app plus TorchSharp's bridge, leaving out every native library of the libtorch packages.</summary>
    private static void CopyAppWithoutLibTorch(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        string native = Path.Combine(to, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        File.Copy(Path.Combine(from, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), Path.Combine(native, "libLibTorchSharp.so"));
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAppAsync(params string[] args)
    {
        // The same (possibly compat-patched) host that runs these tests.
        string host = Path.GetFileName(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(_app, "DeltaTui.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        start.Environment.Remove("DELTATUI_LIBTORCH");
        start.Environment.Remove("LD_LIBRARY_PATH");
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
