using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

public sealed class Gemma3WeightShapesTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Given_a_config_When_its_expected_weights_are_listed_Then_they_are_the_model_s_parameters_with_their_shapes(bool tied)
    {
        var config = Gemma3Config.Tiny(300, hiddenSize: 32, numHiddenLayers: 3) with { TieWordEmbeddings = tied };
        using var model = Gemma3ForCausalLM.CreateZeroed(config, ScalarType.Float32, META);

        var expected = Gemma3WeightShapes.Of(config);

        var actual = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(actual.Keys.Order(), expected.Keys.Order());
        Assert.All(actual, p => Assert.Equal(p.Value, expected[p.Key]));
    }
}
