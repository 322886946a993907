using System.Diagnostics;
using Xunit;

namespace DeltaTui.Training.Tests.Runtime;

/// <summary>
/// Runs a test in a fresh process of this test app, for the few tests whose subject is the whole process (the
/// garbage collector): in the suite's process they would stall the tests beside them and be slowed by their heaps.
/// </summary>
public static class OwnProcess
{
    private const string Marker = "DELTATUI_TEST_OWN_PROCESS";

    /// <summary>
    /// True in the child (the caller runs the test's body there). In the suite's process, runs the current test
    /// alone in a child process, fails the test with the child's output unless it passed, and returns false.
    /// </summary>
    public static bool RunHere(ITestContext context)
    {
        var test = context.Test ?? throw new InvalidOperationException("No current test.");
        if (Environment.GetEnvironmentVariable(Marker) == test.TestCase.TestMethod?.MethodName) return true;

        var method = test.TestCase.TestMethod ?? throw new InvalidOperationException("The current test has no method.");
        var fullName = $"{method.TestClass.TestClassName}.{method.MethodName}";
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var entry = typeof(OwnProcess).Assembly.Location;
        if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals(Path.GetFileNameWithoutExtension(entry), StringComparison.Ordinal))
            start.ArgumentList.Add(entry); // run through the dotnet host, as the suite itself was
        foreach (var argument in new[] { "-noColor", "-method", fullName }) start.ArgumentList.Add(argument);
        start.Environment[Marker] = method.MethodName;

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var output = child.StandardOutput.ReadToEndAsync(context.CancellationToken);
        var errors = child.StandardError.ReadToEndAsync(context.CancellationToken);
        child.WaitForExit();
        var text = output.Result + errors.Result;
        Assert.True(child.ExitCode == 0 && text.Contains("Total: 1, Errors: 0, Failed: 0", StringComparison.Ordinal),
            $"{fullName} in its own process exited with {child.ExitCode}:\n{text}");
        return false;
    }
}
