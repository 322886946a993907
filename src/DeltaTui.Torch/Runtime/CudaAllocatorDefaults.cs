using System.Runtime.InteropServices;

namespace DeltaTui.Torch.Runtime;

/// <summary>
/// Our default for libtorch's CUDA caching allocator: expandable segments. A DPO step allocates
/// log-prob chunks and activations of many sizes; with fixed segments the allocator keeps
/// fragments of each, and the process holds far more GPU memory than it uses. libtorch reads
/// <c>PYTORCH_CUDA_ALLOC_CONF</c> from the C environment when CUDA first allocates, so the value is
/// set there (setenv), before torch is touched. A value the user set, even an empty one, is kept.
/// </summary>
public static partial class CudaAllocatorDefaults
{
    public const string Variable = "PYTORCH_CUDA_ALLOC_CONF";
    public const string Default = "expandable_segments:True";

    /// <returns>The value libtorch will see.</returns>
    public static string Apply()
    {
        var current = Environment.GetEnvironmentVariable(Variable);
        if (current is not null) return current;
        if (OperatingSystem.IsLinux() && setenv(Variable, Default, 0) != 0) return "";
        Environment.SetEnvironmentVariable(Variable, Default);
        return Default;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
