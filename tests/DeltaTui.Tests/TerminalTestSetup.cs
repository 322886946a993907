using System.Runtime.CompilerServices;

namespace DeltaTui.Tests;

internal static class TerminalTestSetup
{
    /// <summary>Tests never write escape codes to the real terminal or probe it.</summary>
    [ModuleInitializer]
    internal static void DisableRealDriverIO() => Environment.SetEnvironmentVariable("DisableRealDriverIO", "1");
}
