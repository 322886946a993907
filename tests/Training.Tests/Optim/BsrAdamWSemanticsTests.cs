using DeltaTui.Training.Optim;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class BsrAdamWSemanticsTests
{
    public static TheoryData<string> Backends() => new() { "reference", "native" };

    private static IBsrAdamW Create(string backend, List<BsrParameter> parameters, BsrAdamWOptions options) =>
        backend == "native" ? new NativeBsrAdamW(parameters, options) : new BsrAdamWReference(parameters, options);

    [Fact]
    public void Given_density_one_When_the_reference_and_TorchSharp_AdamW_take_the_same_steps_Then_weights_agree_within_1e6()
    {
        using var scenario = new BsrScenario(32, 1.0, ScalarType.Float32, CPU, seed: 3);
        var options = new BsrAdamWOptions(Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1);
        var ours = scenario.MakeParameters();
        // A Parameter takes over the tensor it wraps, so the TorchSharp side holds Parameters from the start.
        var theirs = scenario.MakeParameters().Select(p => p with { Tensor = new Parameter(p.Tensor) }).ToList();
        using var reference = new BsrAdamWReference(ours, options);
        using var adamw = new TorchAdamWStep(theirs.Select(p => (p.Name, (Parameter)p.Tensor)), options);
        for (var step = 1; step <= 4; step++)
        {
            var grads = scenario.DrawGradients();
            BsrScenario.SetGradients(ours, grads);
            BsrScenario.SetGradients(theirs, grads);
            reference.Step(1e-2 * step);
            adamw.Step(1e-2 * step, maxGradNorm: 0);
        }
        for (var i = 0; i < ours.Count; i++)
        {
            var error = BsrScenario.RelativeError(ours[i].Tensor, theirs[i].Tensor);
            Assert.True(error <= 1e-6, $"{ours[i].Name}: {error:E2}");
            using var initial = scenario.Initial[i].to(ScalarType.Float32);
            Assert.True(BsrScenario.RelativeError(initial, theirs[i].Tensor) > 1e-3, "the weights did move");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Given_density_zero_When_stepping_Then_blocked_weights_stay_bit_identical_and_hold_no_state(string backend)
    {
        using var scenario = new BsrScenario(16, 0.0, ScalarType.Float32, CPU, seed: 5);
        var parameters = scenario.MakeParameters();
        using var optimizer = Create(backend, parameters, new BsrAdamWOptions(WeightDecay: 0.5));
        BsrScenario.SetGradients(parameters, scenario.DrawGradients());
        var result = optimizer.Step(0.1, maxGradNorm: 1.0);
        Assert.True(result.Applied);
        for (var i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Layout is null)
            {
                Assert.False(parameters[i].Tensor.eq(scenario.Initial[i]).all().item<bool>(), "1-D tensors still train densely");
                continue;
            }
            Assert.True(parameters[i].Tensor.eq(scenario.Initial[i]).all().item<bool>(), $"{parameters[i].Name} changed with no active block");
            Assert.Equal(0, optimizer.GetTensorState(i).ExpAvg.numel());
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Given_a_NaN_in_an_active_block_When_stepping_Then_the_step_is_skipped_and_nothing_changes(string backend)
    {
        using var scenario = new BsrScenario(32, 1.0, ScalarType.Float32, CPU, seed: 7);
        var parameters = scenario.MakeParameters();
        using var optimizer = Create(backend, parameters, new BsrAdamWOptions());
        var grads = scenario.DrawGradients();
        grads[0][3, 4] = float.NaN;
        BsrScenario.SetGradients(parameters, grads);
        var result = optimizer.Step(0.1, maxGradNorm: 0, computeNorm: true);
        Assert.False(result.Finite);
        Assert.False(result.Applied);
        Assert.Equal(0, optimizer.StepCount);
        for (var i = 0; i < parameters.Count; i++) Assert.True(parameters[i].Tensor.eq(scenario.Initial[i]).all().item<bool>());
        Assert.Equal(0f, optimizer.GetTensorState(1).ExpAvg.abs().max().item<float>());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Given_a_block_mask_When_stepping_Then_the_reported_norm_covers_active_blocks_only(string backend)
    {
        var weight = zeros(40, 40).requires_grad_(true);
        // Blocks (0,0) and (1,1) of 32x32 tiling active; (1,1) is the partial 8x8 corner.
        var layout = BlockLayout.FromBlockMask(40, 40, 32, (r, c) => r == c);
        var parameters = new List<BsrParameter> { new("w", weight, layout) };
        using var optimizer = Create(backend, parameters, new BsrAdamWOptions());
        using var grad = full(40, 40, 2.0f);
        BsrScenario.SetGradients(parameters, [grad]);
        var result = optimizer.Step(1e-3, maxGradNorm: 0);
        // 32*32 + 8*8 active elements with gradient 2: norm = 2 * sqrt(1088).
        Assert.Equal(2 * Math.Sqrt(1088), result.GradNorm, 9);
        Assert.Equal(0f, weight[0, 35].item<float>());
        Assert.NotEqual(0f, weight[35, 35].item<float>());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Given_a_new_active_set_When_changed_Then_kept_blocks_keep_moments_and_new_blocks_start_at_zero(string backend)
    {
        var weight = randn(64, 64).requires_grad_(true);
        var first = BlockLayout.FromBlockMask(64, 64, 32, (r, c) => r == 0);
        var parameters = new List<BsrParameter> { new("w", weight, first) };
        using var optimizer = Create(backend, parameters, new BsrAdamWOptions());
        using var grad = randn(64, 64);
        BsrScenario.SetGradients(parameters, [grad]);
        optimizer.Step(1e-3);
        var before = optimizer.GetTensorState(0);
        // Keep (0,1), drop (0,0), add (1,1).
        optimizer.SetActiveBlocks(0, BlockLayout.FromBlockMask(64, 64, 32, (r, c) => c == 1));
        var after = optimizer.GetTensorState(0);
        Assert.Equal([2L, 32, 32], after.ExpAvg.shape);
        Assert.True(after.ExpAvg[0].eq(before.ExpAvg[1]).all().item<bool>(), "kept block (0,1) keeps its exp_avg");
        Assert.True(after.ExpAvgSq[0].eq(before.ExpAvgSq[1]).all().item<bool>(), "kept block (0,1) keeps its exp_avg_sq");
        Assert.Equal(0f, after.ExpAvg[1].abs().max().item<float>());
        Assert.Equal(0f, after.ExpAvgSq[1].abs().max().item<float>());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Given_a_density_When_building_state_Then_optimizer_memory_is_that_fraction_of_dense(string backend)
    {
        var weight = randn(256, 512);
        var quarter = BlockLayout.FromBlockMask(256, 512, 32, (r, c) => c % 4 == 0);
        using var sparse = Create(backend, [new BsrParameter("w", weight, quarter)], new BsrAdamWOptions());
        using var dense = Create(backend, [new BsrParameter("w", weight, BlockLayout.Dense(256, 512, 32))], new BsrAdamWOptions());
        Assert.Equal(256L * 512 * 4 * 2, dense.StateBytes, tolerance: 1024);
        var ratio = (double)sparse.StateBytes / dense.StateBytes;
        Assert.InRange(ratio, 0.25 * 0.95, 0.25 * 1.05);
    }

    [Fact]
    public void Given_stochastic_rounding_When_stepping_bf16_weights_Then_each_weight_is_a_bf16_neighbour_of_its_master()
    {
        var weight = randn(64, 64).to(ScalarType.BFloat16).requires_grad_(true);
        var parameters = new List<BsrParameter> { new("w", weight, BlockLayout.Dense(64, 64, 16)) };
        using var optimizer = new NativeBsrAdamW(parameters, new BsrAdamWOptions(StochasticRounding: true, Seed: 42));
        using var grad = randn(64, 64).to(ScalarType.BFloat16);
        BsrScenario.SetGradients(parameters, [grad]);
        optimizer.Step(1e-2);
        using var master = BlockTiling.Scatter(optimizer.GetTensorState(0).Master!, zeros(64, 64), parameters[0].Layout!,
            BlockTiling.BlockIds(parameters[0].Layout!, CPU));
        using var down = master.to(ScalarType.BFloat16).to(ScalarType.Float32);
        using var w = weight.detach().to(ScalarType.Float32);
        using var ulp = down.abs().mul(1.0 / 128).clamp_min(1e-30);
        // Within one bf16 step of the master, and not always the nearest one.
        Assert.True((w - master).abs().le(ulp * 1.01).all().item<bool>());
        Assert.False(w.eq(down).all().item<bool>(), "stochastic rounding rounded every element to nearest");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Given_a_parameter_without_gradient_When_stepping_Then_the_error_names_it(string backend)
    {
        var parameters = new List<BsrParameter> { new("model.layers.0.mlp.up_proj.weight", randn(32, 32).requires_grad_(true), BlockLayout.Dense(32, 32, 16)) };
        using var optimizer = Create(backend, parameters, new BsrAdamWOptions());
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step(1e-3));
        Assert.Contains("model.layers.0.mlp.up_proj.weight", error.Message);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Given_a_gradient_of_another_dtype_When_stepping_Then_it_is_rejected_before_any_memory_is_read(string backend)
    {
        var weight = randn(32, 32).requires_grad_(true);
        var parameters = new List<BsrParameter> { new("w", weight, BlockLayout.Dense(32, 32, 16)) };
        using var optimizer = Create(backend, parameters, new BsrAdamWOptions());
        using (var g = randn(32, 32, ScalarType.Float64)) weight.grad = g;
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step(1e-3));
        Assert.Contains("gradient of 'w' is Float64", error.Message);
    }
}
