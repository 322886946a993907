using DeltaTui.Training.Dpo;
using DeltaTui.Training.Optim;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class BsrAdamWDpoOptimizerTests
{
    private static List<(string Name, Parameter Parameter)> Model(int seed)
    {
        using var generator = new Generator((ulong)seed);
        return
        [
            ("model.layers.0.mlp.up_proj.weight", new Parameter(randn([64, 48], generator: generator))),
            ("model.norm.weight", new Parameter(randn([48], generator: generator))),
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
    public void Given_density_one_When_the_trainer_steps_both_optimizers_Then_weights_and_moments_match_TorchSharp_AdamW()
    {
        var a = Model(1);
        var b = Model(1);
        using IDpoOptimizer dense = new TorchAdamWOptimizer(a.Select(x => x.Parameter).ToList(), weightDecay: 0.01);
        using IDpoOptimizer bsr = new BsrAdamWDpoOptimizer(b, 32, new BsrAdamWOptions(WeightDecay: 0.01), null, out var reason);
        Assert.Null(reason);
        Assert.Equal("bsr-adamw", bsr.Name);
        Assert.False(bsr.TryGetMoments(b[0].Parameter, out _, out _, out _));
        for (var s = 0; s < 3; s++)
        {
            dense.ZeroGrad();
            bsr.ZeroGrad();
            Backward(a, 20 + s);
            Backward(b, 20 + s);
            dense.Step(1e-2);
            bsr.Step(1e-2);
        }
        for (var i = 0; i < a.Count; i++)
        {
            Assert.True(BsrScenario.RelativeError(b[i].Parameter, a[i].Parameter) <= 1e-6, a[i].Name);
            Assert.True(dense.TryGetMoments(a[i].Parameter, out var ma, out var va, out var sa));
            Assert.True(bsr.TryGetMoments(b[i].Parameter, out var mb, out var vb, out var sb));
            Assert.Equal(sa, sb);
            Assert.Equal(ma.shape, mb.shape);
            Assert.True(BsrScenario.RelativeError(mb, ma) <= 1e-6);
            Assert.True(BsrScenario.RelativeError(vb, va) <= 1e-6);
        }
    }

    [Fact]
    public void Given_a_saved_state_When_loaded_into_a_new_optimizer_Then_moments_and_steps_are_restored()
    {
        var model = Model(2);
        var layouts = new Dictionary<string, BlockLayout> { ["model.layers.0.mlp.up_proj.weight"] = BlockLayout.FromBlockMask(64, 48, 16, (r, c) => r == c) };
        using var first = new BsrAdamWDpoOptimizer(model, 16, new BsrAdamWOptions(), layouts, out _);
        Backward(model, 3);
        first.Step(1e-3);
        using var buffer = new MemoryStream();
        first.SaveState(buffer);
        using var second = new BsrAdamWDpoOptimizer(model, 16, new BsrAdamWOptions(), null, out _);
        buffer.Position = 0;
        second.LoadState(buffer);
        Assert.True(first.TryGetMoments(model[0].Parameter, out var m1, out _, out var s1));
        Assert.True(second.TryGetMoments(model[0].Parameter, out var m2, out _, out var s2));
        Assert.Equal(s1, s2);
        Assert.True(m1.eq(m2).all().item<bool>());
        Assert.Equal(layouts["model.layers.0.mlp.up_proj.weight"].LinearBlockIds(), second.Optimizer.GetTensorState(0).Layout!.LinearBlockIds());
    }
}
