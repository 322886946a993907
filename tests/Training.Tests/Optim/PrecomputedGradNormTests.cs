using DeltaTui.Training.Optim;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class PrecomputedGradNormTests
{
    private static List<(string Name, Parameter P)> ModelWithGradients()
    {
        using var generator = new Generator(7);
        var model = new List<(string, Parameter)>
        {
            ("layer.weight", new Parameter(randn([16, 8], generator: generator))),
            ("layer.norm", new Parameter(randn([8], generator: generator))),
        };
        foreach (var (_, p) in model)
        {
            using var g = randn(p.shape, generator: generator) * 3;
            using var loss = (p * g).sum();
            loss.backward();
        }
        return model;
    }

    [Theory]
    [InlineData(0.5)]  // the gradients (norm ≈ 35) are scaled down
    [InlineData(1e6)]  // the bound is far away: nothing is scaled
    [InlineData(0.0)]  // clipping off
    public void Given_the_norm_measured_by_the_caller_When_the_dense_optimizer_steps_Then_the_update_equals_the_one_that_measures_it_itself(double maxGradNorm)
    {
        var measuring = ModelWithGradients();
        var given = ModelWithGradients();
        using var a = new TorchAdamWStep(measuring, new BsrAdamWOptions());
        using var b = new TorchAdamWStep(given, new BsrAdamWOptions());
        using var norm = stack(given.Select(p => p.P.grad!.square().sum()).ToArray()).sum().sqrt();

        var ra = a.Step(1e-2, maxGradNorm);
        var rb = b.Step(1e-2, maxGradNorm, norm);

        Assert.True(ra.Applied && rb.Applied);
        Assert.Equal(norm.item<float>(), rb.GradNorm, 4);
        Assert.Equal(ra.GradNorm, norm.item<float>(), 4);
        for (var i = 0; i < measuring.Count; i++)
        {
            Assert.True(measuring[i].P.grad!.allclose(given[i].P.grad!, rtol: 1e-5, atol: 1e-7), $"clipped gradient of {measuring[i].Name}");
            Assert.True(measuring[i].P.allclose(given[i].P, rtol: 1e-6, atol: 1e-7), $"weights of {measuring[i].Name}");
        }
    }
}
