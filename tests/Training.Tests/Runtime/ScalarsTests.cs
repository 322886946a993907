using DeltaTui.Torch.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Runtime;

public class ScalarsTests
{
    [Fact]
    public void Given_the_same_number_twice_When_asking_for_its_scalar_Then_the_one_cached_instance_comes_back_and_survives_collections()
    {
        var first = Scalars.Of(0.125);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Same(first, Scalars.Of(0.125));
        using var x = ones(3);
        Assert.Equal(0.125f, x.mul(Scalars.Of(0.125))[0].item<float>());
    }

    [Fact]
    public void Given_an_integer_tensor_When_combining_with_an_integer_scalar_Then_it_stays_integer_and_a_float_scalar_promotes_it()
    {
        using var ids = arange(4, dtype: ScalarType.Int64);

        using var shifted = ids - Scalars.OfInteger(2);
        using var scaled = ids * Scalars.Of(0.5);

        Assert.Equal(ScalarType.Int64, shifted.dtype);
        Assert.Equal(-2L, shifted[0].item<long>());
        Assert.Equal(ScalarType.Float32, scaled.dtype);
    }

    [Fact]
    public void Given_negative_zero_and_zero_When_cached_Then_they_are_distinct_entries()
    {
        Assert.NotSame(Scalars.Of(0.0), Scalars.Of(-0.0));
        Assert.Same(Scalars.Of(double.NegativeInfinity), Scalars.Of(float.NegativeInfinity));
    }
}
