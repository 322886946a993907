using DeltaTui.Gemma;
using DeltaTui.Torch.Interop;
using DeltaTui.Validation;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Tests.Diagnostics;

public class BsrAdamWAgreementCheckTests
{
    // One decoder layer of the 270M model without the embedding: every 2-D shape kind and the norms, 5.6M parameters.
    private static readonly IReadOnlyList<(string Name, long[] Shape)> OneLayer =
        EnvironmentValidation.Shapes(new ValidationOptions { Layers = 1, Embedding = false });

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Given_one_layer_of_the_270m_shapes_on_the_cpu_When_native_and_reference_take_the_same_steps_Then_the_check_passes(ScalarType dtype)
    {
        var check = new BsrAdamWAgreementCheck(CPU, dtype, steps: 4, OneLayer, seed: 3);

        var outcome = check.Run(TestContext.Current.CancellationToken);

        Assert.True(outcome.Passed, outcome.Detail);
        Assert.StartsWith("native-cpu = reference: max ‖native − reference‖/‖reference‖ ", outcome.Detail);
        Assert.Contains("4 step(s) on cpu, 14 tensors, 5,574,272 parameters, B=32 density 0.1", outcome.Detail);
        Assert.Contains("re-selected at step 3", outcome.Detail);
    }

    [Fact]
    public void Given_a_native_result_nudged_by_one_part_in_ten_thousand_When_comparing_Then_the_check_fails_and_names_the_weight()
    {
        var check = new BsrAdamWAgreementCheck(CPU, ScalarType.Float32, steps: 3, OneLayer, seed: 5)
        {
            AfterNativeStep = (step, parameters) =>
            {
                if (step == 3) parameters.Single(p => p.Name == "model.layers.0.mlp.up_proj.weight").Tensor.mul_(1 + 1e-4);
            },
        };

        var outcome = check.Run(TestContext.Current.CancellationToken);

        Assert.False(outcome.Passed);
        Assert.StartsWith("native-cpu differs from the reference in 1 of 42 weights and moments; worst model.layers.0.mlp.up_proj.weight: ‖native − reference‖/‖reference‖ 1.0e-04 > 1.0e-05", outcome.Detail);
    }

    [Fact]
    public void Given_a_native_weight_shifted_after_the_first_step_When_later_steps_follow_Then_the_check_still_fails()
    {
        // A fault early in the run goes through the later steps (weight decay scales it, the updates do not undo it).
        var check = new BsrAdamWAgreementCheck(CPU, ScalarType.Float32, steps: 3, OneLayer, seed: 7)
        {
            AfterNativeStep = (step, parameters) =>
            {
                if (step == 1) parameters.Single(p => p.Name == "model.layers.0.self_attn.k_proj.weight").Tensor.add_(1e-3);
            },
        };

        var outcome = check.Run(TestContext.Current.CancellationToken);

        Assert.False(outcome.Passed);
        Assert.Contains("worst model.layers.0.self_attn.k_proj.weight: ", outcome.Detail);
    }

    [Fact]
    public void Given_no_native_library_When_validating_Then_the_check_fails_with_the_load_error()
    {
        var check = new BsrAdamWAgreementCheck(CPU, ScalarType.Float32, steps: 1, OneLayer, seed: 1)
        {
            NativeStatus = () => new NativeBackendStatus(false, false, 0, 0, "libdeltatui_native.so: cannot open shared object file"),
        };

        var outcome = check.Run(TestContext.Current.CancellationToken);

        Assert.False(outcome.Passed);
        Assert.Equal("the native library is not available: libdeltatui_native.so: cannot open shared object file", outcome.Detail);
    }

    [Fact]
    public void Given_the_default_options_When_listing_the_shapes_Then_they_are_every_weight_of_gemma_3_270m()
    {
        var shapes = EnvironmentValidation.Shapes(new ValidationOptions());

        Assert.Equal(268_098_176, shapes.Sum(s => s.Shape.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal(18 * 7 + 1, shapes.Count(s => s.Shape.Length == 2));
        Assert.Equal(Gemma270mWeightShapes.Layers, new ValidationOptions().Layers);
        Assert.Equal((100, 20, 50), (new ValidationOptions().BsrSteps, new ValidationOptions().Bf16Steps, new ValidationOptions().DpoSteps));
    }
}
