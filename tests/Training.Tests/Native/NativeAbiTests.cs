using System.Runtime.InteropServices;
using DeltaTui.Torch.Interop;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

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

    [LibraryImport("deltatui_native")]
    private static partial int dtn_plan_destroy(IntPtr plan);

    [LibraryImport("deltatui_native")]
    private static partial int dtn_plan_zero_grads(IntPtr plan, void** parameters, void** grads);

    [LibraryImport("deltatui_native")]
    private static partial int dtn_plan_accumulate_squares(IntPtr plan, void** parameters, void** grads, float** accumulators, double keep, double weight);

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

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Given_a_blocked_gradient_with_padded_rows_When_folding_squares_and_zeroing_Then_only_its_rows_and_cols_change(ScalarType dtype) =>
        AssertPaddedGradientPasses(dtype, CPU);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [Trait("gpu", "true")]
    public void Given_a_blocked_gradient_with_padded_rows_on_cuda_When_folding_squares_and_zeroing_Then_only_its_rows_and_cols_change(ScalarType dtype) =>
        AssertPaddedGradientPasses(dtype, CUDA);

    // The blocked branch of the every-element passes: a 40 x 50 weight in 16 x 16 blocks (edge blocks partial) whose
    // gradient rows are 56 elements apart, so the plan walks it block by block instead of in flat chunks; beside it a
    // 1-D tensor without an accumulator. Tensors give the memory on either device.
    private static void AssertPaddedGradientPasses(ScalarType dtype, Device device)
    {
        Assert.True(NativeBackend.IsAvailable, NativeBackend.Status.Error);
        using var scope = NewDisposeScope();
        using var generator = new Generator(31);
        var param = zeros([40, 50], dtype, device);
        var paddedGrad = randn([40, 56], generator: generator).to(dtype).to(device);
        var flatParam = zeros([37], dtype, device);
        var flatGrad = randn([37], generator: generator).to(dtype).to(device);
        var accumulator = rand([40, 50], generator: generator).to(device);
        var padding = paddedGrad[.., 50..].clone();
        var flatBefore = flatGrad.clone();
        const double keep = 0.75, weight = 0.25;
        using var grad = paddedGrad[.., ..50].to(ScalarType.Float32);
        var expected = accumulator.mul(keep).add(grad.mul(weight).mul(grad));

        var rowPtr = new[] { 0, 0, 0, 0 };
        var (deviceType, deviceIndex) = TensorMemory.DeviceOf(param);
        IntPtr plan;
        fixed (int* rp = rowPtr)
        {
            TensorDesc[] descs =
            [
                new() { Param = TensorMemory.DataPointer(param), Grad = TensorMemory.DataPointer(paddedGrad), Rows = 40, Cols = 50, ParamLd = 50, GradLd = 56,
                        Kind = 0, DType = (int)dtype, BlockSize = 16, RowPtr = rp },
                new() { Param = TensorMemory.DataPointer(flatParam), Grad = TensorMemory.DataPointer(flatGrad), Rows = 1, Cols = 37, Kind = 1, DType = (int)dtype },
            ];
            fixed (TensorDesc* d = descs) Assert.Equal(0, dtn_plan_create(deviceType, deviceIndex, d, 2, 0, 0, &plan));
        }
        try
        {
            // When the plan folds g² into the weight's accumulator (none for the 1-D tensor)
            var accumulators = new[] { (IntPtr)TensorMemory.DataPointer(accumulator), IntPtr.Zero };
            fixed (IntPtr* a = accumulators) Assert.Equal(0, dtn_plan_accumulate_squares(plan, null, null, (float**)a, keep, weight));

            // Then the accumulator is keep · a + weight · g · g over the 40 x 50 elements, bit for bit as torch's separate
            // mul and add give it (each operation rounded, on both backends)
            Assert.True(accumulator.eq(expected).all().item<bool>(), $"max difference {(accumulator - expected).abs().max().item<float>()}");

            // When it zeroes the gradients, Then the weight's 40 x 50 and the whole 1-D gradient are zero, the padding is not
            Assert.True(flatGrad.eq(flatBefore).all().item<bool>());
            Assert.Equal(0, dtn_plan_zero_grads(plan, null, null));
            Assert.Equal(0f, paddedGrad[.., ..50].abs().max().to(ScalarType.Float32).item<float>());
            Assert.Equal(0f, flatGrad.abs().max().to(ScalarType.Float32).item<float>());
            Assert.True(paddedGrad[.., 50..].eq(padding).all().item<bool>(), "the padding between rows is not the gradient's");
        }
        finally
        {
            dtn_plan_destroy(plan);
        }
    }
}
