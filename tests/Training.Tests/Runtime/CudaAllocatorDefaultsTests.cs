using System.Runtime.InteropServices;
using DeltaTui.Torch.Runtime;
using Xunit;

namespace DeltaTui.Training.Tests.Runtime;

public partial class CudaAllocatorDefaultsTests
{
    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getenv(string name);

    [Fact]
    public void Given_the_process_environment_When_applying_the_allocator_default_Then_libtorch_sees_expandable_segments_or_the_users_own_value()
    {
        var before = Environment.GetEnvironmentVariable(CudaAllocatorDefaults.Variable);

        var applied = CudaAllocatorDefaults.Apply();

        if (before is null)
        {
            Assert.Equal(CudaAllocatorDefaults.Default, applied);
            // What native code (libtorch) reads, not only .NET's copy of the environment.
            Assert.Equal(CudaAllocatorDefaults.Default, Marshal.PtrToStringUTF8(getenv(CudaAllocatorDefaults.Variable)));
        }
        else
        {
            Assert.Equal(before, applied);
        }
        Assert.Equal(applied, CudaAllocatorDefaults.Apply());
    }
}
