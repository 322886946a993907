using DeltaTui.Training.Optim;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class NativeBsrAdamWTests
{
    public static TheoryData<int, double, string, bool> Cases()
    {
        var data = new TheoryData<int, double, string, bool>();
        foreach (var b in BlockLayout.SupportedBlockSizes)
            foreach (var density in new[] { 0.01, 1.0 })
                foreach (var dtype in new[] { "float32", "bfloat16" })
                    foreach (var clip in new[] { false, true })
                        data.Add(b, density, dtype, clip);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_random_shapes_with_edge_blocks_When_native_cpu_and_reference_take_the_same_steps_Then_they_agree_within_1e6(
        int blockSize, double density, string dtype, bool clipping)
    {
        BsrAdamWComparison.NativeMatchesReference(blockSize, density, Parse(dtype), clipping, CPU, tolerance: 1e-6, seed: blockSize * 31 + (int)(density * 100));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("gpu", "true")]
    public void Given_cuda_tensors_When_native_cuda_and_reference_take_the_same_steps_Then_they_agree_within_1e5(
        int blockSize, double density, string dtype, bool clipping)
    {
        BsrAdamWComparison.NativeMatchesReference(blockSize, density, Parse(dtype), clipping, CUDA, tolerance: 1e-5, seed: blockSize * 17 + (int)(density * 100));
    }

    internal static ScalarType Parse(string dtype) => dtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
}
