using DeltaTui.Training.Optim;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class BsrAdamWStateTests
{
    [Fact]
    public void Given_a_saved_state_When_a_fresh_optimizer_loads_it_Then_the_next_steps_match_an_uninterrupted_run()
    {
        using var scenario = new BsrScenario(16, 0.5, ScalarType.BFloat16, CPU, seed: 11);
        var runParams = scenario.MakeParameters();
        using var run = new BsrAdamWStep(new NativeBsrAdamW(runParams, new BsrAdamWOptions()));
        var grads = Enumerable.Range(0, 4).Select(_ => scenario.DrawGradients()).ToList();
        for (var s = 0; s < 2; s++)
        {
            BsrScenario.SetGradients(runParams, grads[s]);
            run.Step(1e-2, 1.0);
        }
        using var buffer = new MemoryStream();
        run.SaveState(new BinaryWriter(buffer));
        // The resumed run starts from the weights the first run had at the save.
        var resumedParams = runParams.Select(p => p with { Tensor = p.Tensor.detach().clone().requires_grad_(true) }).ToList();
        using var resumed = new BsrAdamWStep(new NativeBsrAdamW(resumedParams, new BsrAdamWOptions()));
        buffer.Position = 0;
        resumed.LoadState(new BinaryReader(buffer));
        Assert.Equal(2, resumed.StepCount);
        for (var s = 2; s < 4; s++)
        {
            BsrScenario.SetGradients(runParams, grads[s]);
            BsrScenario.SetGradients(resumedParams, grads[s]);
            run.Step(1e-2, 1.0);
            resumed.Step(1e-2, 1.0);
        }
        for (var i = 0; i < runParams.Count; i++) Assert.True(runParams[i].Tensor.eq(resumedParams[i].Tensor).all().item<bool>(), runParams[i].Name);
    }

    [Fact]
    public void Given_a_truncated_state_When_loading_Then_a_clear_error_says_so()
    {
        using var scenario = new BsrScenario(32, 1.0, ScalarType.Float32, CPU, seed: 13);
        var parameters = scenario.MakeParameters();
        using var step = new BsrAdamWStep(new BsrAdamWReference(parameters, new BsrAdamWOptions()));
        using var buffer = new MemoryStream();
        step.SaveState(new BinaryWriter(buffer));
        var cut = new MemoryStream(buffer.ToArray()[..(int)(buffer.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => step.LoadState(new BinaryReader(cut)));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Given_a_state_of_another_model_When_restoring_Then_the_error_names_the_parameter()
    {
        var a = new List<BsrParameter> { new("layer.w", randn(64, 64), BlockLayout.Dense(64, 64, 32)) };
        var b = new List<BsrParameter> { new("layer.w", randn(64, 96), BlockLayout.Dense(64, 96, 32)) };
        using var first = new BsrAdamWReference(a, new BsrAdamWOptions());
        using var second = new BsrAdamWReference(b, new BsrAdamWOptions());
        var error = Assert.Throws<ArgumentException>(() => second.RestoreState(first.CaptureState()));
        Assert.Contains("layer.w", error.Message);
    }
}
