using DeltaTui.Training.Optim;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class DenseAdamWCheckpointTests
{
    private static List<(string Name, Parameter P)> Model(int seed)
    {
        using var generator = new Generator((ulong)seed);
        return
        [
            ("layer.weight", new Parameter(randn([70, 45], generator: generator))),
            ("layer.norm", new Parameter(randn([37], generator: generator))),
        ];
    }

    private static void Backward(List<(string Name, Parameter P)> model, int seed)
    {
        using var generator = new Generator((ulong)seed);
        foreach (var (_, p) in model)
        {
            using (var old = p.grad) old?.zero_();
            using var g = randn(p.shape, generator: generator);
            using var loss = (p * g).sum();
            loss.backward();
        }
    }

    private static List<(string Name, Parameter P)> Copy(List<(string Name, Parameter P)> model) =>
        model.Select(p => (p.Name, new Parameter(p.P.detach().clone()))).ToList();

    // Two steps with `first`, save, load into `second` over copies of the weights, two more steps with both.
    private static void SaveLoadAndContinue(string first, string second)
    {
        var a = Model(1);
        using var writer = OptimizerFactory.Create(first, a, new BsrAdamWOptions(), 32, null, out _);
        for (var s = 0; s < 2; s++)
        {
            Backward(a, 10 + s);
            writer.Step(1e-2, 1.0);
        }
        using var buffer = new MemoryStream();
        writer.SaveState(new BinaryWriter(buffer));
        var b = Copy(a);
        using var reader = OptimizerFactory.Create(second, b, new BsrAdamWOptions(), 32, null, out _);
        buffer.Position = 0;
        reader.LoadState(new BinaryReader(buffer));
        Assert.Equal(2, reader.StepCount);
        for (var s = 2; s < 4; s++)
        {
            Backward(a, 10 + s);
            Backward(b, 10 + s);
            writer.Step(1e-2, 1.0);
            reader.Step(1e-2, 1.0);
        }
        for (var i = 0; i < a.Count; i++)
        {
            var error = BsrScenario.RelativeError(b[i].P, a[i].P);
            Assert.True(error <= 1e-6, $"{a[i].Name}: {error:E2}");
            using var sa = writer.MomentumScore(a[i].Name);
            using var sb = reader.MomentumScore(b[i].Name);
            Assert.True(BsrScenario.RelativeError(sb, sa) <= 1e-5, $"momentum score of {a[i].Name}");
        }
    }

    [Fact]
    public void Given_a_checkpoint_of_TorchSharp_AdamW_When_native_adamw_resumes_it_Then_it_continues_the_same_run() =>
        SaveLoadAndContinue("adamw-torch", "adamw");

    [Fact]
    public void Given_a_checkpoint_of_native_adamw_When_TorchSharp_AdamW_resumes_it_Then_it_continues_the_same_run() =>
        SaveLoadAndContinue("adamw", "adamw-torch");

    [Fact]
    public void Given_bsr_adamw_state_with_inactive_blocks_When_TorchSharp_AdamW_loads_it_Then_the_error_says_to_resume_with_bsr_adamw()
    {
        var a = Model(2);
        var layouts = new Dictionary<string, BlockLayout> { ["layer.weight"] = BlockLayout.FromBlockMask(70, 45, 16, (r, c) => r == 0) };
        using var bsr = OptimizerFactory.Create("bsr-adamw", a, new BsrAdamWOptions(), 16, layouts, out _);
        Backward(a, 3);
        bsr.Step(1e-2, 1.0);
        using var buffer = new MemoryStream();
        bsr.SaveState(new BinaryWriter(buffer));
        using var torch = OptimizerFactory.Create("adamw-torch", Copy(a), new BsrAdamWOptions(), 32, null, out _);
        buffer.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => torch.LoadState(new BinaryReader(buffer)));
        Assert.Contains("'layer.weight'", error.Message);
        Assert.Contains("bsr-adamw", error.Message);
    }
}
