using DeltaTui.Torch.Interop;
using DeltaTui.Training.Optim;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class NativeAdamWStepTests
{
    // A 2-D weight with partial edge blocks at B = 64, a block-aligned one, and a 1-D tensor.
    private static readonly long[][] Shapes = [[70, 45], [128, 64], [37]];

    private static List<(string Name, Parameter P)> Model(int seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var generator = new Generator((ulong)seed);
        return Shapes.Select((s, i) =>
        {
            using var init = randn(s, generator: generator);
            return ($"p{i}", new Parameter(init.to(dtype).to(device ?? CPU)));
        }).ToList();
    }

    private static List<Tensor> Gradients(int seed, double scale)
    {
        using var generator = new Generator((ulong)seed);
        return Shapes.Select(s =>
        {
            using var g = randn(s, generator: generator);
            return g * scale;
        }).ToList();
    }

    // A backward pass of sum(p * G) makes p.grad exactly G (in the gradient's existing buffer).
    private static void SetGradients(List<(string Name, Parameter P)> model, List<Tensor> gradients)
    {
        for (var i = 0; i < model.Count; i++)
        {
            var p = model[i].P;
            using (var old = p.grad) old?.zero_();
            using var g = gradients[i].to(p.dtype).to(p.device);
            using var loss = (p * g).sum();
            loss.backward();
        }
    }

    private static Tensor GlobalNorm(List<Tensor> gradients)
    {
        using var scope = NewDisposeScope();
        var sum = zeros(1, ScalarType.Float64);
        foreach (var g in gradients) sum += g.to(ScalarType.Float64).square().sum();
        return sum.sqrt().to(ScalarType.Float32).squeeze().MoveToOuterDisposeScope();
    }

    [Fact]
    public void Given_the_native_library_When_creating_adamw_Then_it_is_the_native_backend_and_agrees_with_TorchSharp_AdamW_with_clipping()
    {
        var ours = Model(1);
        var theirs = Model(1);
        var options = new BsrAdamWOptions(Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1);
        using var native = OptimizerFactory.Create("adamw", ours, options, 32, null, out var note);
        using var torch = OptimizerFactory.Create("adamw-torch", theirs, options, 32, null, out _);
        Assert.Null(note);
        Assert.Equal("adamw/native-cpu", native.Name);
        for (var step = 1; step <= 4; step++)
        {
            // Large gradients, so that clipping scales every step.
            var grads = Gradients(10 + step, scale: 5.0);
            SetGradients(ours, grads);
            SetGradients(theirs, grads);
            var a = native.Step(1e-2 * step, maxGradNorm: 1.0);
            var b = torch.Step(1e-2 * step, maxGradNorm: 1.0);
            Assert.True(a.Applied && a.Finite);
            Assert.True(b.GradNorm > 1.0, "clipping is active");
            Assert.True(Math.Abs(a.GradNorm - b.GradNorm) <= 1e-6 * b.GradNorm, $"step {step}: grad norm {a.GradNorm} vs {b.GradNorm}");
            foreach (var g in grads) g.Dispose();
        }
        Assert.Equal(4, native.StepCount);
        for (var i = 0; i < ours.Count; i++)
        {
            var error = BsrScenario.RelativeError(ours[i].P, theirs[i].P);
            Assert.True(error <= 1e-6, $"{ours[i].Name}: weights differ by {error:E2}");
            using var sa = native.MomentumScore(ours[i].Name);
            using var sb = torch.MomentumScore(theirs[i].Name);
            Assert.Equal(ours[i].P.shape, sa.shape);
            Assert.True(BsrScenario.RelativeError(sa, sb) <= 1e-5, $"momentum score of {ours[i].Name}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait("gpu", "true")]
    public void Given_cuda_parameters_When_native_adamw_steps_with_clipping_Then_it_agrees_with_TorchSharp_AdamW(bool precomputedNorm)
    {
        var ours = Model(11, device: CUDA);
        var theirs = Model(11, device: CUDA);
        using var native = OptimizerFactory.Create("adamw", ours, new BsrAdamWOptions(WeightDecay: 0.1), 32, null, out var note);
        using var torch = OptimizerFactory.Create("adamw-torch", theirs, new BsrAdamWOptions(WeightDecay: 0.1), 32, null, out _);
        Assert.Null(note);
        Assert.Equal("adamw/native-cuda", native.Name);
        for (var step = 1; step <= 4; step++)
        {
            var grads = Gradients(110 + step, scale: 5.0);
            SetGradients(ours, grads);
            SetGradients(theirs, grads);
            using var norm = GlobalNorm(grads).to(CUDA);
            var a = native.Step(1e-2, maxGradNorm: 1.0, precomputedGradNorm: precomputedNorm ? norm : null);
            var b = torch.Step(1e-2, maxGradNorm: 1.0);
            Assert.True(a.Applied);
            Assert.True(Math.Abs(a.GradNorm - b.GradNorm) <= 1e-5 * b.GradNorm, $"step {step}: grad norm {a.GradNorm} vs {b.GradNorm}");
            foreach (var g in grads) g.Dispose();
        }
        for (var i = 0; i < ours.Count; i++)
        {
            var error = BsrScenario.RelativeError(ours[i].P, theirs[i].P);
            Assert.True(error <= 1e-5, $"{ours[i].Name}: weights differ by {error:E2}");
        }
        using var nan = tensor(float.NaN, device: CUDA);
        using var before = ours[0].P.detach().clone();
        var skipped = native.Step(1e-2, 1.0, nan);
        Assert.False(skipped.Finite || skipped.Applied);
        Assert.True(ours[0].P.eq(before).all().item<bool>(), "a non-finite precomputed norm changes nothing");
    }

    [Fact]
    public void Given_a_saved_native_adamw_When_a_fresh_one_loads_it_Then_the_next_steps_match_an_uninterrupted_run_bit_for_bit()
    {
        var run = Model(2, ScalarType.BFloat16);
        using var first = new NativeAdamWStep(run, new BsrAdamWOptions());
        var grads = Enumerable.Range(0, 4).Select(s => Gradients(20 + s, scale: 1.0)).ToList();
        for (var s = 0; s < 2; s++)
        {
            SetGradients(run, grads[s]);
            first.Step(1e-2, 1.0);
        }
        using var buffer = new MemoryStream();
        first.SaveState(new BinaryWriter(buffer));
        var resumedModel = run.Select(p => (p.Name, new Parameter(p.P.detach().clone()))).ToList();
        using var resumed = new NativeAdamWStep(resumedModel, new BsrAdamWOptions());
        buffer.Position = 0;
        resumed.LoadState(new BinaryReader(buffer));
        Assert.Equal(2, resumed.StepCount);
        for (var s = 2; s < 4; s++)
        {
            SetGradients(run, grads[s]);
            SetGradients(resumedModel, grads[s]);
            first.Step(1e-2, 1.0);
            resumed.Step(1e-2, 1.0);
        }
        for (var i = 0; i < run.Count; i++) Assert.True(run[i].P.eq(resumedModel[i].Item2).all().item<bool>(), run[i].Name);
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("adamw-torch")]
    public void Given_a_precomputed_gradient_norm_When_stepping_Then_the_result_equals_computing_it(string kind)
    {
        var computed = Model(3);
        var given = Model(3);
        using var a = OptimizerFactory.Create(kind, computed, new BsrAdamWOptions(), 32, null, out _);
        using var b = OptimizerFactory.Create(kind, given, new BsrAdamWOptions(), 32, null, out _);
        for (var step = 1; step <= 3; step++)
        {
            var grads = Gradients(30 + step, scale: 2.0);
            SetGradients(computed, grads);
            SetGradients(given, grads);
            using var norm = GlobalNorm(grads);
            var ra = a.Step(1e-2, maxGradNorm: 1.0);
            var rb = b.Step(1e-2, maxGradNorm: 1.0, precomputedGradNorm: norm);
            Assert.Equal(norm.item<float>(), rb.GradNorm);
            Assert.True(Math.Abs(ra.GradNorm - rb.GradNorm) <= 1e-6 * ra.GradNorm);
            foreach (var g in grads) g.Dispose();
        }
        for (var i = 0; i < computed.Count; i++)
        {
            var error = BsrScenario.RelativeError(given[i].P, computed[i].P);
            Assert.True(error <= 1e-6, $"{given[i].Name}: {error:E2}");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Given_native_adamw_When_asking_for_the_global_gradient_norm_Then_it_is_the_float64_norm_of_every_gradient(ScalarType dtype) =>
        AssertGlobalGradNorm(dtype, CPU);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [Trait("gpu", "true")]
    public void Given_native_adamw_on_cuda_When_asking_for_the_global_gradient_norm_Then_it_is_the_float64_norm_of_every_gradient_on_the_gpu(ScalarType dtype) =>
        AssertGlobalGradNorm(dtype, CUDA);

    private static void AssertGlobalGradNorm(ScalarType dtype, Device device)
    {
        var model = Model(6, dtype, device);
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        var grads = Gradients(60, scale: 3.0);
        SetGradients(model, grads);
        // The gradients as the parameters hold them (bf16-rounded for a bf16 model), summed in float64.
        using var expected = GlobalNorm(model.Select(p => p.P.grad!.cpu()).ToList());

        using var norm = optimizer.Gradients.GlobalGradNorm()!;

        Assert.Equal(ScalarType.Float32, norm.dtype);
        AssertScalarNorm(expected, norm, device);
        SetGradients(model, Gradients(61, scale: 1.0));
        using var again = optimizer.Gradients.GlobalGradNorm()!;
        Assert.NotEqual(norm.item<float>(), again.item<float>());
        using (no_grad()) model[2].P.grad!.fill_(float.NaN);
        using var nan = optimizer.Gradients.GlobalGradNorm()!;
        Assert.True(float.IsNaN(nan.item<float>()), "a NaN gradient makes the norm NaN, so that the step is skipped");
        foreach (var g in grads) g.Dispose();
    }

    [Fact]
    public void Given_torch_adamw_When_asking_for_the_global_gradient_norm_Then_it_leaves_it_to_the_caller()
    {
        using var torch = OptimizerFactory.Create("adamw-torch", Model(7), new BsrAdamWOptions(), 32, null, out _);
        Assert.Null(torch.Gradients.GlobalGradNorm());
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Given_bsr_adamw_with_a_few_blocks_active_When_asking_for_the_global_gradient_norm_Then_it_covers_frozen_blocks_too(ScalarType dtype) =>
        AssertBsrGlobalGradNorm(dtype, CPU);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [Trait("gpu", "true")]
    public void Given_bsr_adamw_on_cuda_with_a_few_blocks_active_When_asking_for_the_global_gradient_norm_Then_it_covers_frozen_blocks_too(ScalarType dtype) =>
        AssertBsrGlobalGradNorm(dtype, CUDA);

    private static void AssertBsrGlobalGradNorm(ScalarType dtype, Device device)
    {
        // Given one block of each 2-D weight active (edge blocks included in the shapes) and every gradient set
        var model = Model(8, dtype, device);
        var layouts = model.Where(p => p.P.ndim == 2).ToDictionary(p => p.Name,
            p => BlockLayout.FromBlockMask(p.P.shape[0], p.P.shape[1], 32, (r, c) => r == 1 && c == 0));
        using var optimizer = OptimizerFactory.Create("bsr-adamw", model, new BsrAdamWOptions(), 32, layouts, out _);
        var native = Assert.IsType<NativeBsrAdamW>(((BsrAdamWStep)optimizer).Optimizer);
        var grads = Gradients(62, scale: 2.0);
        SetGradients(model, grads);
        using var expected = GlobalNorm(model.Select(p => p.P.grad!.cpu()).ToList());

        // When asking for the global norm and for the norm the plan's update reads
        using var global = optimizer.Gradients.GlobalGradNorm()!;
        using var active = native.GradNorm();

        // Then the global one is the float64 norm of every gradient element, the update's one covers less
        AssertScalarNorm(expected, global, device);
        Assert.True(active.item<float>() < 0.9f * global.item<float>(), $"active-block norm {active.item<float>()} vs global {global.item<float>()}");
        // and a NaN in a frozen block reaches it (the step is then skipped), though the update would not read it
        using (no_grad())
        {
            using var grad = model[1].P.grad!;
            using var element = grad[100, 60];
            element.fill_(float.NaN);
        }
        using var nan = optimizer.Gradients.GlobalGradNorm()!;
        Assert.True(float.IsNaN(nan.item<float>()), "a NaN in a frozen block makes the global norm NaN");
        foreach (var g in grads) g.Dispose();
    }

    // One scalar on the parameters' device, within 1e-6 of the float64 norm.
    private static void AssertScalarNorm(Tensor expected, Tensor norm, Device device)
    {
        Assert.Equal(0, norm.ndim);
        Assert.Equal(device.type, norm.device_type);
        Assert.True(Math.Abs(norm.item<float>() - expected.item<float>()) <= 1e-6 * expected.item<float>(), $"{norm.item<float>()} vs {expected.item<float>()}");
    }

    [Fact]
    public void Given_the_bsr_adamw_reference_When_asking_for_the_global_gradient_norm_Then_it_leaves_it_to_the_caller()
    {
        var model = Model(9);
        using var reference = new BsrAdamWStep(new BsrAdamWReference(model.Select(p =>
            new BsrParameter(p.Name, p.P, p.P.ndim == 2 ? BlockLayout.Dense(p.P.shape[0], p.P.shape[1], 32) : null)).ToList(), new BsrAdamWOptions()));
        Assert.Null(reference.Gradients.GlobalGradNorm());
    }

    [Fact]
    public void Given_a_non_finite_precomputed_norm_When_stepping_natively_Then_the_step_is_skipped_and_nothing_changes()
    {
        var model = Model(4);
        var before = model.Select(p => p.P.detach().clone()).ToList();
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model, Gradients(40, scale: 1.0));
        using var norm = tensor(float.NaN);
        var result = optimizer.Step(1e-2, maxGradNorm: 1.0, precomputedGradNorm: norm);
        Assert.False(result.Finite);
        Assert.False(result.Applied);
        Assert.Equal(0, optimizer.StepCount);
        for (var i = 0; i < model.Count; i++) Assert.True(model[i].P.eq(before[i]).all().item<bool>(), model[i].Name);
    }

    [Fact]
    public void Given_a_precomputed_norm_of_the_wrong_dtype_When_stepping_Then_the_error_says_what_it_must_be()
    {
        var model = Model(5);
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model, Gradients(50, scale: 1.0));
        using var norm = tensor(1.0, ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => optimizer.Step(1e-2, 1.0, norm));
        Assert.Contains("must be Float32", error.Message);
    }

    [Fact]
    public void Given_density_below_one_When_bsr_adamw_gets_a_precomputed_norm_Then_it_clips_by_the_active_block_norm()
    {
        using var scenario = new BsrScenario(16, 0.5, ScalarType.Float32, CPU, seed: 6);
        var parameters = scenario.MakeParameters();
        using var step = new BsrAdamWStep(new NativeBsrAdamW(parameters, new BsrAdamWOptions()));
        BsrScenario.SetGradients(parameters, scenario.DrawGradients());
        using var wrong = tensor(12345f);
        var result = step.Step(1e-2, 1.0, wrong);
        Assert.NotEqual(12345.0, result.GradNorm);
        Assert.True(result.Applied);
    }

    [Fact]
    public void Given_a_float64_model_When_creating_adamw_Then_it_falls_back_to_TorchSharp_and_says_why()
    {
        var model = Model(7, ScalarType.Float64);
        using var optimizer = OptimizerFactory.Create("adamw", model, new BsrAdamWOptions(), 32, null, out var note);
        Assert.Equal("adamw/torch", optimizer.Name);
        Assert.NotNull(note);
        Assert.Contains("'p0' is Float64", note);
    }

    [Fact]
    public void Given_a_parameter_that_needs_no_gradient_When_stepping_Then_it_stays_and_scores_zero()
    {
        var model = Model(8);
        model[2].P.requires_grad = false;
        using var frozen = model[2].P.detach().clone();
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model[..2], Gradients(80, scale: 1.0)[..2]);
        Assert.True(optimizer.Step(1e-2, 1.0).Applied);
        Assert.True(model[2].P.eq(frozen).all().item<bool>());
        using var score = optimizer.MomentumScore("p2");
        Assert.Equal(0f, score.abs().max().item<float>());
    }

    [Fact]
    public void Given_a_gradient_replaced_by_a_new_buffer_between_steps_When_stepping_Then_the_new_buffer_is_checked_and_read()
    {
        var ours = Model(9);
        var theirs = Model(9);
        using var native = new NativeAdamWStep(ours, new BsrAdamWOptions());
        using var torch = new TorchAdamWStep(theirs, new BsrAdamWOptions());
        SetGradients(ours, Gradients(90, 1.0));
        SetGradients(theirs, Gradients(90, 1.0));
        native.Step(1e-2, 0);
        torch.Step(1e-2, 0);
        // New gradient tensors (new memory) rather than values written into the old ones.
        var next = Gradients(91, 1.0);
        for (var i = 0; i < ours.Count; i++)
        {
            ours[i].P.grad = next[i].clone();
            theirs[i].P.grad = next[i].clone();
        }
        native.Step(1e-2, 0);
        torch.Step(1e-2, 0);
        for (var i = 0; i < ours.Count; i++) Assert.True(BsrScenario.RelativeError(ours[i].P, theirs[i].P) <= 1e-6, ours[i].Name);
        // A replacement that breaks the contract is caught although the step before was fine.
        using (var strided = randn(45, 70)) ours[0].P.grad = strided.t();
        var error = Assert.Throws<InvalidOperationException>(() => native.Step(1e-2, 0));
        Assert.Contains("gradient of 'p0' is not contiguous", error.Message);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Given_native_adamw_with_gradients_When_zeroing_them_Then_every_element_is_zero_in_the_same_buffers(ScalarType dtype) =>
        AssertZeroGrad(dtype, CPU);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [Trait("gpu", "true")]
    public void Given_native_adamw_on_cuda_with_gradients_When_zeroing_them_Then_every_element_is_zero_in_the_same_buffers(ScalarType dtype) =>
        AssertZeroGrad(dtype, CUDA);

    private static void AssertZeroGrad(ScalarType dtype, Device device)
    {
        // Given gradients in every parameter
        var model = Model(10, dtype, device);
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model, Gradients(100, scale: 1.0));
        var addresses = model.Select(p => TensorMemory.GradDataPointer(p.P)).ToList();

        // When the plan zeroes them in one pass, and again through the trainer's ZeroGrad
        Assert.True(optimizer.Optimizer.Gradients.TryZeroGradients());
        AssertZeroWhereTheyWere(model, addresses);
        SetGradients(model, Gradients(101, scale: 1.0));
        optimizer.ZeroGrad();

        // Then every element of every gradient is zero, in the buffers the plan knows
        AssertZeroWhereTheyWere(model, addresses);
    }

    private static void AssertZeroWhereTheyWere(List<(string Name, Parameter P)> model, List<IntPtr> addresses)
    {
        for (var i = 0; i < model.Count; i++)
        {
            Assert.Equal(addresses[i], TensorMemory.GradDataPointer(model[i].P));
            using var g = model[i].P.grad!;
            Assert.Equal(0.0, g.abs().max().to(ScalarType.Float64).item<double>());
        }
    }

    [Fact]
    public void Given_a_parameter_without_a_gradient_yet_When_zeroing_Then_the_one_pass_declines_and_the_others_are_zeroed_one_by_one()
    {
        var model = Model(11);
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model[..2], Gradients(110, scale: 1.0)[..2]);

        Assert.False(optimizer.Optimizer.Gradients.TryZeroGradients());
        using (var untouched = model[0].P.grad!) Assert.True(untouched.abs().max().item<float>() > 0, "a declined pass changes nothing");
        optimizer.ZeroGrad();

        for (var i = 0; i < 2; i++)
        {
            using var g = model[i].P.grad!;
            Assert.Equal(0f, g.abs().max().item<float>());
        }
        Assert.Null(model[2].P.grad);
    }

    [Theory]
    [InlineData(ScalarType.Float32, false)]
    [InlineData(ScalarType.BFloat16, false)]
    [InlineData(ScalarType.BFloat16, true)]
    public void Given_fisher_accumulators_When_the_plan_folds_squared_gradients_in_one_pass_Then_it_equals_mul_and_addcmul(ScalarType dtype, bool fewBlocksActive) =>
        AssertAccumulateSquares(dtype, CPU, fewBlocksActive);

    [Theory]
    [InlineData(ScalarType.Float32, false)]
    [InlineData(ScalarType.BFloat16, false)]
    [InlineData(ScalarType.BFloat16, true)]
    [Trait("gpu", "true")]
    public void Given_fisher_accumulators_on_cuda_When_the_plan_folds_squared_gradients_in_one_pass_Then_it_equals_mul_and_addcmul(ScalarType dtype, bool fewBlocksActive) =>
        AssertAccumulateSquares(dtype, CUDA, fewBlocksActive);

    private static void AssertAccumulateSquares(ScalarType dtype, Device device, bool fewBlocksActive)
    {
        // Given accumulators for two of the three parameters, one of them spanning two chunks of the tile list (with
        // one block active, the frozen blocks count too)
        var model = Model(12, dtype, device);
        var layouts = fewBlocksActive
            ? model.Where(p => p.P.ndim == 2).ToDictionary(p => p.Name, p => BlockLayout.FromBlockMask(p.P.shape[0], p.P.shape[1], 32, (r, c) => r == 1 && c == 0))
            : null;
        using var optimizer = OptimizerFactory.Create(fewBlocksActive ? "bsr-adamw" : "adamw", model, new BsrAdamWOptions(), 32, layouts, out _);
        SetGradients(model, Gradients(120, scale: 0.5));
        using var generator = new Generator(121);
        int[] scored = [0, 1];
        var accumulators = scored.Select(i => (model[i].Name, Accumulator: rand(model[i].P.shape, generator: generator).to(device))).ToList();
        const double keep = 2.0 / 3.0, weight = 1.0 / 3.0;
        var expected = scored.Zip(accumulators, (i, a) =>
        {
            using var g = model[i].P.grad!;
            using var noGrad = no_grad();
            return a.Accumulator.clone().mul_(keep).addcmul_(g, g, weight);
        }).ToList();

        // When the plan folds g² into them in one pass
        Assert.True(optimizer.Gradients.TryAccumulateGradientSquares(accumulators, keep, weight));

        // Then each equals torch's mul_(keep).addcmul_(g, g, weight) to float32 rounding: torch's addcmul kernels may
        // fuse their multiply-add, ours round each operation (NativeAbiTests checks that order bit for bit)
        for (var k = 0; k < accumulators.Count; k++)
        {
            Assert.Equal(device.type, accumulators[k].Accumulator.device_type);
            Assert.True(BsrScenario.RelativeError(accumulators[k].Accumulator, expected[k]) <= 1e-6, accumulators[k].Name);
            expected[k].Dispose();
            accumulators[k].Accumulator.Dispose();
        }
    }

    [Fact]
    public void Given_an_accumulator_the_plan_cannot_fold_When_asked_Then_it_declines_or_says_what_is_wrong_and_changes_nothing()
    {
        var model = Model(13);
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model, Gradients(130, scale: 1.0));
        using var accumulator = ones(model[0].P.shape);

        Assert.False(optimizer.Gradients.TryAccumulateGradientSquares([("not.a.parameter", accumulator)], 0.5, 0.5));
        Assert.Equal(1f, accumulator.max().item<float>());
        using var wrongDtype = ones(model[0].P.shape, ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => optimizer.Gradients.TryAccumulateGradientSquares([("p0", wrongDtype)], 0.5, 0.5));
        Assert.Contains("accumulator of 'p0' is Float64", error.Message);
        using var wrongShape = ones(45, 70);
        error = Assert.Throws<ArgumentException>(() => optimizer.Gradients.TryAccumulateGradientSquares([("p0", wrongShape)], 0.5, 0.5));
        Assert.Contains("accumulator of 'p0' is [45, 70]", error.Message);
        using var second = ones(model[0].P.shape);
        error = Assert.Throws<ArgumentException>(() => optimizer.Gradients.TryAccumulateGradientSquares([("p0", accumulator), ("p0", second)], 0.5, 0.5));
        Assert.Contains("'p0' has two accumulators", error.Message);
        Assert.Equal(1f, accumulator.max().item<float>());
    }

    [Fact]
    public void Given_a_gradient_the_plan_cannot_read_When_zeroing_or_folding_Then_the_one_pass_declines_and_zero_grad_still_zeroes_it()
    {
        // Given a transposed (non-contiguous) gradient in place of p0's
        var model = Model(15);
        using var optimizer = new NativeAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model, Gradients(150, scale: 1.0));
        using (var strided = randn(45, 70)) model[0].P.grad = strided.t();
        using var accumulator = ones(model[1].P.shape);

        // When the one passes are asked, Then they decline without changing anything
        Assert.False(optimizer.Gradients.TryAccumulateGradientSquares([("p1", accumulator)], 0.5, 0.5));
        Assert.Equal(1f, accumulator.max().item<float>());
        Assert.False(optimizer.Optimizer.Gradients.TryZeroGradients());
        using (var untouched = model[1].P.grad!) Assert.True(untouched.abs().max().item<float>() > 0);

        // and ZeroGrad zeroes every gradient tensor by tensor
        optimizer.ZeroGrad();
        foreach (var (name, p) in model)
        {
            using var g = p.grad!;
            Assert.True(g.abs().max().item<float>() == 0f, name);
        }
    }

    [Fact]
    public void Given_torch_adamw_When_asked_to_fold_squared_gradients_Then_it_leaves_it_to_the_caller()
    {
        var model = Model(14);
        using var torch = new TorchAdamWStep(model, new BsrAdamWOptions());
        SetGradients(model, Gradients(140, scale: 1.0));
        using var accumulator = ones(model[0].P.shape);
        Assert.False(torch.Gradients.TryAccumulateGradientSquares([("p0", accumulator)], 0.5, 0.5));
        Assert.Equal(1f, accumulator.max().item<float>());
    }
}
