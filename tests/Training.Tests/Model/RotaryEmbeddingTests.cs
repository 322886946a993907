using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

public class RotaryEmbeddingTests
{
    /// <summary>transformers' apply_rotary_pos_emb, written as it is there: q·cos + rotate_half(q)·sin.</summary>
    private static Tensor TransformersRotary(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return x * cos + rotated * sin;
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float32)]
    public void Given_random_heads_When_rotating_with_the_signed_sin_Then_the_result_equals_rotate_half_to_the_bit(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = RotaryEmbedding.Tables(64, 10_000.0, RopeScaling.None, 37, dtype, CPU);
        var x = randn(2, 3, 37, 64, generator: new Generator(11)).to(dtype);

        var rotated = RotaryEmbedding.Apply(x, cos, RotaryEmbedding.SignedSin(sin));

        Assert.Equal(dtype, rotated.dtype);
        Assert.True(rotated.equal(TransformersRotary(x, cos, sin)).all().item<bool>());
    }

    [Fact]
    public void Given_a_query_that_needs_gradients_When_backpropagating_through_the_rotation_Then_the_gradient_equals_rotate_half_s()
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = RotaryEmbedding.Tables(32, 10_000.0, RopeScaling.None, 9, ScalarType.Float32, CPU);
        var weights = randn(1, 2, 9, 32, generator: new Generator(5));
        var ours = randn(1, 2, 9, 32, generator: new Generator(7)).requires_grad_(true);
        var theirs = ours.detach().clone().requires_grad_(true);

        (RotaryEmbedding.Apply(ours, cos, RotaryEmbedding.SignedSin(sin)) * weights).sum().backward();
        (TransformersRotary(theirs, cos, sin) * weights).sum().backward();

        Assert.True(ours.grad!.equal(theirs.grad!).all().item<bool>());
    }
}
