using DeltaTui.Training.Optim;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class OptimizerFactoryTests
{
    private static List<(string, Parameter)> Model(int seed)
    {
        using var generator = new Generator((ulong)seed);
        return
        [
            ("layer.weight", new Parameter(randn([48, 40], generator: generator))),
            ("layer.norm", new Parameter(randn([40], generator: generator))),
        ];
    }

    private static void Backward(List<(string Name, Parameter P)> model, int seed)
    {
        using var generator = new Generator((ulong)seed);
        foreach (var (_, p) in model)
        {
            using var g = randn(p.shape, generator: generator);
            using var loss = (p * g).sum();
            loss.backward();
        }
    }

    [Fact]
    public void Given_both_optimizers_at_density_one_When_stepping_Then_weights_and_momentum_scores_agree()
    {
        var a = Model(1);
        var b = Model(1);
        var options = new BsrAdamWOptions();
        using var adamw = OptimizerFactory.Create("adamw-torch", a, options, 32, null, out _);
        using var bsr = OptimizerFactory.Create("bsr-adamw", b, options, 32, null, out var note);
        Assert.Equal("adamw/torch", adamw.Name);
        Assert.StartsWith("bsr-adamw/", bsr.Name);
        Assert.Null(note);
        for (var step = 0; step < 3; step++)
        {
            adamw.ZeroGrad();
            bsr.ZeroGrad();
            Backward(a, 10 + step);
            Backward(b, 10 + step);
            var ra = adamw.Step(1e-2, maxGradNorm: 1.0);
            var rb = bsr.Step(1e-2, maxGradNorm: 1.0);
            Assert.Equal(ra.GradNorm, rb.GradNorm, 5);
        }
        for (var i = 0; i < a.Count; i++)
        {
            Assert.True(BsrScenario.RelativeError(b[i].Item2, a[i].Item2) <= 1e-6, a[i].Item1);
            using var sa = adamw.MomentumScore(a[i].Item1);
            using var sb = bsr.MomentumScore(b[i].Item1);
            Assert.Equal(a[i].Item2.shape, sb.shape);
            Assert.True(BsrScenario.RelativeError(sb, sa) <= 1e-5, $"momentum score of {a[i].Item1}");
        }
    }

    [Fact]
    public void Given_an_unknown_optimizer_name_When_creating_Then_the_error_lists_the_valid_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => OptimizerFactory.Create("sgd", Model(2), new BsrAdamWOptions(), 32, null, out _));
        Assert.Contains("'adamw'", error.Message);
        Assert.Contains("'adamw-torch'", error.Message);
        Assert.Contains("'bsr-adamw'", error.Message);
    }

    [Fact]
    public void Given_frozen_blocks_When_asking_for_the_momentum_score_Then_it_is_zero_there()
    {
        var model = Model(3);
        var layouts = new Dictionary<string, BlockLayout> { ["layer.weight"] = BlockLayout.FromBlockMask(48, 40, 16, (r, c) => r == 0) };
        using var bsr = OptimizerFactory.Create("bsr-adamw", model, new BsrAdamWOptions(), 16, layouts, out _);
        Backward(model, 4);
        bsr.Step(1e-3, 0);
        using var score = bsr.MomentumScore("layer.weight");
        Assert.Equal(0f, score.narrow(0, 16, 32).abs().max().item<float>());
        Assert.True(score.narrow(0, 0, 16).gt(0).all().item<bool>());
    }
}
