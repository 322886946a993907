using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

public class Gemma3ScaledEmbeddingTests
{
    [Fact]
    public void Given_hidden_640_When_scaling_in_each_dtype_Then_the_scale_is_sqrt_640_rounded_as_torch_rounds_it()
    {
        using var embedding = new Gemma3ScaledEmbedding(8, 640, ScalarType.Float32, CPU);
        using var exact = tensor((float)Math.Sqrt(640));

        Assert.Equal(25.25, embedding.ScaleIn(ScalarType.BFloat16));
        Assert.Equal(exact.to(ScalarType.BFloat16).to(ScalarType.Float64).item<double>(), embedding.ScaleIn(ScalarType.BFloat16));
        Assert.Equal(exact.to(ScalarType.Float16).to(ScalarType.Float64).item<double>(), embedding.ScaleIn(ScalarType.Float16));
        Assert.Equal((double)(float)Math.Sqrt(640), embedding.ScaleIn(ScalarType.Float32));
    }

    [Fact]
    public void Given_bf16_weights_When_embedding_Then_rows_are_multiplied_by_the_bf16_scale_as_transformers_does()
    {
        using var embedding = new Gemma3ScaledEmbedding(5, 640, ScalarType.BFloat16, CPU);
        using (no_grad()) embedding.Weight.copy_(randn(5, 640, generator: new TorchSharp.torch.Generator(3)).to(ScalarType.BFloat16));
        using var ids = tensor(new long[] { 4, 0, 2 }).view(1, 3);

        using var rows = embedding.forward(ids);

        using var scale = tensor((float)Math.Sqrt(640)).to(ScalarType.BFloat16);
        using var expected = embedding.Weight.index_select(0, ids.view(-1)).view(1, 3, 640) * scale;
        Assert.True(rows.equal(expected).all().item<bool>());
    }
}
