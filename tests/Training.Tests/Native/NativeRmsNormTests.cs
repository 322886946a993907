using DeltaTui.Gemma;
using DeltaTui.Torch.Interop;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Native;

/// <summary>The native RMSNorm against Gemma3RmsNorm's TorchSharp formulation (transformers' Gemma3RMSNorm) and its autograd gradients.</summary>
public sealed class NativeRmsNormTests
{
    // (rows, cols): the 270m hidden size, head_dim, a width that is no multiple of a warp, a single row,
    // and more rows than one backward block takes with a partial last block.
    public static TheoryData<int, int, ScalarType> Cases() => new()
    {
        { 24, 640, ScalarType.Float32 },
        { 24, 640, ScalarType.BFloat16 },
        { 37, 256, ScalarType.BFloat16 },
        { 5, 1003, ScalarType.Float32 },
        { 1, 33, ScalarType.BFloat16 },
        { 70, 96, ScalarType.Float32 },
    };

    private const double Eps = 1e-6;

    /// <summary>Gemma3RmsNorm's ops with the native path off: the reference both backends are held to.</summary>
    private static Tensor Reference(Tensor input, Tensor weight)
    {
        var x = input.to_type(ScalarType.Float32);
        var normalized = x * (x.pow(2).mean([-1], keepdim: true) + Eps).rsqrt();
        return (normalized * (weight.to_type(ScalarType.Float32) + 1.0)).to_type(input.dtype);
    }

    private static (Tensor Input, Tensor Weight, Tensor Upstream) Inputs(int rows, int cols, ScalarType dtype, Device device, int seed)
    {
        using var generator = new Generator((ulong)seed);
        // Rows of different scales, so that rstd matters, and a weight around zero as Gemma's are.
        var scales = rand([rows, 1], generator: generator) * 3 + 0.1;
        var input = (randn([rows, cols], generator: generator) * scales).to(dtype).to(device);
        var weight = (randn([cols], generator: generator) * 0.5).to(dtype).to(device);
        var upstream = randn([rows, cols], generator: generator).to(dtype).to(device);
        return (input, weight, upstream);
    }

    private static double RelativeError(Tensor actual, Tensor expected) =>
        ((actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).norm() / expected.to(ScalarType.Float64).norm()).cpu().item<double>();

    // fp32: rounding only; bf16: the same fp32 value rounded once, so at most one bf16 step apart (relative 2^-8) where
    // the two fp32 values straddle a rounding boundary.
    private static double Tolerance(ScalarType dtype) => dtype == ScalarType.BFloat16 ? 4e-3 : 2e-6;

    private static void ForwardMatches(int rows, int cols, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var (input, weight, _) = Inputs(rows, cols, dtype, device, seed: rows * 17 + cols);
        Assert.True(NativeRmsNorm.Supports(input, weight), $"no native RMSNorm for {input.device}");

        var (output, rstd) = NativeRmsNorm.Forward(input, weight, Eps, keepRstd: true);

        Assert.Equal(dtype, output.dtype);
        Assert.Equal(input.shape, output.shape);
        var expected = Reference(input, weight);
        Assert.True(RelativeError(output, expected) <= Tolerance(dtype), $"output rel. error {RelativeError(output, expected)}");
        var x = input.to(ScalarType.Float64);
        var expectedRstd = (x.pow(2).mean([-1]) + Eps).rsqrt();
        Assert.True(RelativeError(rstd!, expectedRstd) <= 1e-6, $"rstd rel. error {RelativeError(rstd!, expectedRstd)}");
    }

    private static void BackwardMatches(int rows, int cols, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var (input, weight, upstream) = Inputs(rows, cols, dtype, device, seed: rows * 29 + cols);
        // Autograd through the reference in fp32 (then rounded as the native result is), from the same rounded inputs.
        var x = input.to_type(ScalarType.Float32).detach().requires_grad_(true);
        var w = weight.to_type(ScalarType.Float32).detach().requires_grad_(true);
        var normalized = x * (x.pow(2).mean([-1], keepdim: true) + Eps).rsqrt();
        (normalized * (w + 1.0) * upstream.to_type(ScalarType.Float32)).sum().backward();
        var (_, rstd) = NativeRmsNorm.Forward(input, weight, Eps, keepRstd: true);

        var (dx, dw) = NativeRmsNorm.Backward(input, weight, rstd!, upstream);

        Assert.Equal(dtype, dx.dtype);
        Assert.Equal(ScalarType.Float32, dw.dtype);
        Assert.True(RelativeError(dx, x.grad!.to_type(dtype)) <= Tolerance(dtype), $"input gradient rel. error {RelativeError(dx, x.grad!.to_type(dtype))}");
        Assert.True(RelativeError(dw, w.grad!) <= 1e-5, $"weight gradient rel. error {RelativeError(dw, w.grad!)}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_random_rows_When_normalising_on_the_cpu_backend_Then_the_output_equals_gemma_rmsnorm(int rows, int cols, ScalarType dtype) =>
        ForwardMatches(rows, cols, dtype, CPU);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_random_rows_When_differentiating_on_the_cpu_backend_Then_the_gradients_equal_autograd(int rows, int cols, ScalarType dtype) =>
        BackwardMatches(rows, cols, dtype, CPU);

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("gpu", "true")]
    public void Given_random_rows_on_cuda_When_normalising_Then_the_output_equals_gemma_rmsnorm(int rows, int cols, ScalarType dtype) =>
        ForwardMatches(rows, cols, dtype, CUDA);

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("gpu", "true")]
    public void Given_random_rows_on_cuda_When_differentiating_Then_the_gradients_equal_autograd(int rows, int cols, ScalarType dtype) =>
        BackwardMatches(rows, cols, dtype, CUDA);

    [Fact]
    [Trait("gpu", "true")]
    public void Given_the_270m_activations_on_cuda_When_differentiating_twice_Then_the_results_are_identical_and_match_the_cpu_backend()
    {
        using var scope = NewDisposeScope();
        var (input, weight, upstream) = Inputs(8192, 640, ScalarType.BFloat16, CUDA, seed: 3);

        var (dx1, dw1) = AssertBackwardRepeats(input, weight, upstream);
        var (_, cpuRstd) = NativeRmsNorm.Forward(input.cpu(), weight.cpu(), Eps, keepRstd: true);
        var (cpuDx, cpuDw) = NativeRmsNorm.Backward(input.cpu(), weight.cpu(), cpuRstd!, upstream.cpu());

        Assert.True(RelativeError(dx1.cpu(), cpuDx) <= 4e-3, $"dx vs the CPU backend {RelativeError(dx1.cpu(), cpuDx)}");
        Assert.True(RelativeError(dw1.cpu(), cpuDw) <= 1e-5, $"dw vs the CPU backend {RelativeError(dw1.cpu(), cpuDw)}");
    }

    [Fact]
    public void Given_the_same_rows_When_differentiating_twice_on_the_cpu_backend_Then_the_results_are_identical()
    {
        using var scope = NewDisposeScope();
        var (input, weight, upstream) = Inputs(517, 640, ScalarType.Float32, CPU, seed: 4);

        AssertBackwardRepeats(input, weight, upstream);
    }

    /// <summary>Differentiates twice from one forward and asserts the same bits both times; returns the first result.</summary>
    private static (Tensor InputGradient, Tensor WeightGradient) AssertBackwardRepeats(Tensor input, Tensor weight, Tensor upstream)
    {
        var (_, rstd) = NativeRmsNorm.Forward(input, weight, Eps, keepRstd: true);
        var (dx1, dw1) = NativeRmsNorm.Backward(input, weight, rstd!, upstream);
        var (dx2, dw2) = NativeRmsNorm.Backward(input, weight, rstd!, upstream);
        Assert.True(dx1.equal(dx2).all().cpu().item<bool>() && dw1.equal(dw2).all().cpu().item<bool>(), "the backward depends on thread scheduling");
        return (dx1, dw1);
    }

    [Fact]
    public void Given_inputs_the_library_cannot_take_When_asking_Then_it_says_no_and_the_call_names_the_shapes()
    {
        using var scope = NewDisposeScope();
        var weight = zeros(64);
        Assert.False(NativeRmsNorm.Supports(zeros(8, 64).to(ScalarType.Float64), weight.to(ScalarType.Float64)));
        Assert.False(NativeRmsNorm.Supports(zeros(64, 8).t(), weight), "rows that are not contiguous");
        Assert.False(NativeRmsNorm.Supports(zeros(8, 32), weight), "a weight of another length");
        Assert.False(NativeRmsNorm.Supports(zeros(8, 64).to(ScalarType.BFloat16), weight), "mixed dtypes");
        Assert.False(NativeRmsNorm.Supports(zeros(8, 0), zeros(0)), "rows of no columns");
        var error = Assert.Throws<ArgumentException>(() => NativeRmsNorm.Forward(zeros(8, 32), weight, Eps, keepRstd: false));
        Assert.Contains("[8, 32]", error.Message);
    }

    private static readonly Gemma3Config TinyConfig = Gemma3Config.Tiny(vocabSize: 97, hiddenSize: 64, numHiddenLayers: 3, slidingWindow: 8);

    /// <summary>Two sequences of 12 tokens whose last <paramref name="completion"/> positions count.</summary>
    private static (Tensor Ids, Tensor Attention, Tensor Completion) TinyBatch(int seed, int completion)
    {
        using var generator = new Generator((ulong)seed);
        var ids = randint(0, TinyConfig.VocabSize, [2, 12], generator: generator);
        var mask = zeros(2, 12, dtype: ScalarType.Bool);
        mask.narrow(1, 12 - completion, completion).fill_(true);
        return (ids, ones(2, 12, dtype: ScalarType.Int64), mask);
    }

    /// <summary>Completion log-probs of the batch, after backpropagating their sum.</summary>
    private static Tensor Backpropagate(Gemma3ForCausalLM model, (Tensor Ids, Tensor Attention, Tensor Completion) batch)
    {
        var logProbs = model.CompletionLogProbs(model.forward(batch.Ids, batch.Attention), batch.Ids, batch.Completion, 4);
        logProbs.sum().backward();
        return logProbs;
    }

    /// <summary>Runs <paramref name="body"/> with the fused norms of <paramref name="models"/> on the CPU backend, as the model runs them on CUDA.</summary>
    private static void WithFusedNormsOnCpu(Gemma3ForCausalLM[] models, Action body)
    {
        foreach (var model in models) model.NativeRmsNormOnCpu = true;
        try
        {
            body();
        }
        finally
        {
            foreach (var model in models)
            {
                model.NativeRmsNormOnCpu = false;
                model.ReturnedGradients.Release();
            }
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Given_the_tiny_gemma_When_the_norms_run_on_the_native_kernels_Then_log_probs_and_every_gradient_match_the_torchsharp_norms(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var ours = Gemma3ForCausalLM.CreateRandom(TinyConfig, seed: 5, dtype);
        using var theirs = Gemma3ForCausalLM.CreateRandom(TinyConfig, seed: 5, dtype);
        theirs.NativeRmsNorm = false;
        Assert.True(ours.NativeRmsNorm);
        var batch = TinyBatch(seed: 9, completion: 6);

        WithFusedNormsOnCpu([ours, theirs], () =>
        {
            var a = Backpropagate(ours, batch);
            var b = Backpropagate(theirs, batch);
            Assert.True(RelativeError(a, b) <= (dtype == ScalarType.BFloat16 ? 2e-2 : 1e-5), $"log-probs rel. error {RelativeError(a, b)}");
            var theirParameters = theirs.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in ours.named_parameters())
            {
                var error = RelativeError(parameter.grad!, theirParameters[name].grad!);
                Assert.True(error <= (dtype == ScalarType.BFloat16 ? 5e-2 : 1e-4), $"{name}: gradient rel. error {error}");
            }
        });
    }

    [Fact]
    public void Given_gradient_checkpointing_When_the_fused_norms_are_recomputed_in_backward_Then_every_gradient_equals_the_run_without_it()
    {
        using var scope = NewDisposeScope();
        using var plain = Gemma3ForCausalLM.CreateRandom(TinyConfig, seed: 6);
        using var checkpointed = Gemma3ForCausalLM.CreateRandom(TinyConfig, seed: 6);
        checkpointed.GradientCheckpointing = true;
        plain.train();
        checkpointed.train();
        var batch = TinyBatch(seed: 10, completion: 7);

        WithFusedNormsOnCpu([plain, checkpointed], () =>
        {
            Backpropagate(plain, batch);
            Backpropagate(checkpointed, batch);
            var expected = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in checkpointed.named_parameters())
            {
                Assert.True(parameter.grad!.equal(expected[name].grad!).all().item<bool>(), $"{name}: the recomputed layer's gradient differs");
            }
        });
    }
}
