using System.Runtime.InteropServices;
using DeltaTui.Training.Native;
using Xunit;

namespace DeltaTui.Training.Tests.Native;

/// <summary>
/// Calls the C ABI directly through declarations of its own (an independent check of the
/// struct layout in deltatui_native.h) to test the error contract: status codes, the
/// thread-local message, and no plan on failure.
/// </summary>
public unsafe partial class NativeAbiTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TensorDesc
    {
        public void* Param;
        public void* Grad;
        public long Rows, Cols, ParamLd, GradLd;
        public int Kind, DType, BlockSize, Reserved;
        public int* RowPtr;
        public int* ColIdx;
    }

    [LibraryImport("deltatui_native")]
    private static partial int dtn_plan_create(int deviceType, int deviceIndex, TensorDesc* tensors, int count, int flags, ulong seed, IntPtr* plan);

    [LibraryImport("deltatui_native")]
    private static partial IntPtr dtn_last_error();

    [Fact]
    public void Given_the_built_library_When_probing_Then_it_loads_with_the_expected_abi()
    {
        var status = NativeBackend.Status;
        Assert.True(status.Available, status.Error);
        Assert.True(status.OpenMpThreads >= 1);
    }

    [Fact]
    public void Given_an_unsupported_block_size_When_creating_a_plan_Then_the_status_and_message_name_the_problem()
    {
        Assert.True(NativeBackend.IsAvailable, NativeBackend.Status.Error);
        var param = new float[64];
        var rowPtr = new[] { 0, 0 };
        fixed (float* p = param)
        fixed (int* rp = rowPtr)
        {
            var desc = new TensorDesc { Param = p, Grad = p, Rows = 8, Cols = 8, ParamLd = 8, GradLd = 8, Kind = 0, DType = 6, BlockSize = 24, RowPtr = rp };
            IntPtr plan = 1;
            var code = dtn_plan_create(0, 0, &desc, 1, 0, 0, &plan);
            Assert.Equal(1, code);
            Assert.Equal(IntPtr.Zero, plan);
            Assert.Equal("tensor 0: block_size 24 is not 16, 32, 64 or 128", Marshal.PtrToStringUTF8(dtn_last_error()));
        }
    }

    [Fact]
    public void Given_a_cuda_plan_When_the_library_has_no_cuda_Then_it_says_so()
    {
        Assert.SkipWhen(NativeBackend.Status.CudaCompiled, "this build has the CUDA backend");
        var param = new float[16];
        fixed (float* p = param)
        {
            var desc = new TensorDesc { Param = p, Rows = 1, Cols = 16, Kind = 1, DType = 6 };
            IntPtr plan;
            Assert.Equal(4, dtn_plan_create(1, 0, &desc, 1, 0, 0, &plan));
            Assert.Contains("no CUDA backend", Marshal.PtrToStringUTF8(dtn_last_error()));
        }
    }
}
