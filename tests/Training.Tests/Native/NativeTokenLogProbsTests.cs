using DeltaTui.Gemma;
using DeltaTui.Torch.Interop;
using DeltaTui.Training.Tests.Model;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Native;

/// <summary>The native token log-probs against the same quantities from TorchSharp ops in fp32 (log_softmax, softmax).</summary>
public sealed class NativeTokenLogProbsTests
{
    // (rows, vocab, ld): a vocabulary that is a whole number of 16-byte vectors, one that is not, a
    // single row, and rows further apart than the vocabulary (a column slice of a wider tensor).
    public static TheoryData<int, int, int, ScalarType> Cases() => new()
    {
        { 7, 1024, 1024, ScalarType.Float32 },
        { 7, 1024, 1024, ScalarType.BFloat16 },
        { 5, 1003, 1003, ScalarType.Float32 },
        { 5, 1003, 1003, ScalarType.BFloat16 },
        { 1, 37, 37, ScalarType.BFloat16 },
        { 6, 517, 530, ScalarType.Float32 },
        { 6, 517, 533, ScalarType.BFloat16 },
    };

    private static (Tensor Logits, Tensor Targets, Tensor Weight) Inputs(int rows, int vocab, int ld, ScalarType dtype, Device device, int seed)
    {
        using var generator = new Generator((ulong)seed);
        var wide = (randn([rows, ld], generator: generator) * 4).to(dtype).to(device);
        var logits = wide.narrow(1, 0, vocab);
        var targets = randint(0, vocab, [rows], generator: generator).to(device);
        var weight = randn([rows], generator: generator);
        if (rows > 1) weight[0] = 0; // a row that does not count
        return (logits, targets, weight.to(device));
    }

    private static double RelativeError(Tensor actual, Tensor expected) =>
        ((actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).norm() / expected.to(ScalarType.Float64).norm()).cpu().item<double>();

    private static void ForwardMatchesTorch(int rows, int vocab, int ld, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var (logits, targets, _) = Inputs(rows, vocab, ld, dtype, device, seed: rows * 131 + vocab);
        Assert.True(NativeTokenLogProbs.Supports(logits), $"no native token log-probs for {logits.device} (a CUDA run needs libdeltatui_native configured with -DDTN_TOKEN_LOGPROBS_CUDA=ON)");

        var (logProbs, logSumExp) = NativeTokenLogProbs.Forward(logits, targets);

        var wide = logits.to(ScalarType.Float64);
        var expectedLse = wide.logsumexp(-1);
        var expected = wide.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        Assert.True(RelativeError(logSumExp, expectedLse) <= 1e-6, $"logsumexp rel. error {RelativeError(logSumExp, expectedLse)}");
        Assert.True(RelativeError(logProbs, expected) <= 1e-6, $"log-prob rel. error {RelativeError(logProbs, expected)}");
    }

    private static void BackwardMatchesTorch(int rows, int vocab, int ld, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var (logits, targets, weight) = Inputs(rows, vocab, ld, dtype, device, seed: rows * 7 + vocab);
        var wide = logits.to(ScalarType.Float32);
        var column = weight.unsqueeze(-1);
        var expected = (wide.softmax(-1) * column.neg()).scatter_add(-1, targets.unsqueeze(-1), column).to(dtype);
        var (_, logSumExp) = NativeTokenLogProbs.Forward(logits, targets);
        // The columns past vocab in the wider storage must not change.
        var beyond = ld > vocab ? logits.as_strided([rows, ld - vocab], [ld, 1], logits.storage_offset() + vocab).clone() : null;

        NativeTokenLogProbs.BackwardInPlace(logits, targets, logSumExp, weight);

        // bf16: the same fp32 value rounded once, so at most one bf16 step apart (relative 2^-8).
        var tolerance = dtype == ScalarType.BFloat16 ? 4e-3 : 1e-6;
        Assert.True(RelativeError(logits, expected) <= tolerance, $"gradient rel. error {RelativeError(logits, expected)}");
        if (rows > 1) Assert.Equal(0f, logits[0].to(ScalarType.Float32).abs().sum().cpu().item<float>());
        if (beyond is not null)
            Assert.True(beyond.eq(logits.as_strided([rows, ld - vocab], [ld, 1], logits.storage_offset() + vocab)).all().cpu().item<bool>(), "wrote past the row");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_random_logits_When_computing_token_log_probs_on_the_cpu_backend_Then_they_equal_torch_log_softmax(int rows, int vocab, int ld, ScalarType dtype) =>
        ForwardMatchesTorch(rows, vocab, ld, dtype, CPU);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_random_logits_When_writing_the_gradient_on_the_cpu_backend_Then_it_equals_weight_times_onehot_minus_softmax(int rows, int vocab, int ld, ScalarType dtype) =>
        BackwardMatchesTorch(rows, vocab, ld, dtype, CPU);

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("gpu", "true")]
    public void Given_random_cuda_logits_When_computing_token_log_probs_Then_they_equal_torch_log_softmax(int rows, int vocab, int ld, ScalarType dtype) =>
        ForwardMatchesTorch(rows, vocab, ld, dtype, CUDA);

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("gpu", "true")]
    public void Given_random_cuda_logits_When_writing_the_gradient_Then_it_equals_weight_times_onehot_minus_softmax(int rows, int vocab, int ld, ScalarType dtype) =>
        BackwardMatchesTorch(rows, vocab, ld, dtype, CUDA);

    private static void BadValuesGiveNaN(Device device)
    {
        using var scope = NewDisposeScope();
        var logits = (arange(0, 40, dtype: ScalarType.Float32).reshape(4, 10) / 10).to(ScalarType.BFloat16).to(device);
        logits[1, 3] = float.NaN;
        var targets = tensor(new long[] { 2, 2, 10, -1 }).to(device);

        var (logProbs, logSumExp) = NativeTokenLogProbs.Forward(logits, targets);

        var lp = logProbs.cpu().data<float>().ToArray();
        var lse = logSumExp.cpu().data<float>().ToArray();
        Assert.True(float.IsFinite(lp[0]) && float.IsFinite(lse[0]));
        Assert.True(float.IsNaN(lse[1]) && float.IsNaN(lp[1]), "a NaN logit makes its row NaN");
        Assert.True(float.IsFinite(lse[2]) && float.IsNaN(lp[2]), "a target past the vocabulary gives NaN, not a read out of bounds");
        Assert.True(float.IsNaN(lp[3]), "a negative target gives NaN");
    }

    [Fact]
    public void Given_a_NaN_logit_or_a_target_outside_the_vocabulary_When_computing_on_the_cpu_backend_Then_that_row_is_NaN() => BadValuesGiveNaN(CPU);

    [Fact]
    [Trait("gpu", "true")]
    public void Given_a_NaN_logit_or_a_target_outside_the_vocabulary_When_computing_on_cuda_Then_that_row_is_NaN() => BadValuesGiveNaN(CUDA);

    [Fact]
    public void Given_logits_the_library_cannot_take_When_asking_Then_it_says_no_and_a_call_names_the_problem()
    {
        using var scope = NewDisposeScope();
        var halfPrecision = zeros([2, 8], dtype: ScalarType.Float16);
        var columnMajor = zeros([8, 2]).t();
        Assert.False(NativeTokenLogProbs.Supports(halfPrecision));
        Assert.False(NativeTokenLogProbs.Supports(columnMajor));
        Assert.False(NativeTokenLogProbs.Supports(zeros([2, 2, 8])));
        var error = Assert.Throws<ArgumentException>(() => NativeTokenLogProbs.Forward(halfPrecision, zeros([2], dtype: ScalarType.Int64)));
        Assert.Contains("Float16", error.Message);
        Assert.Throws<ArgumentException>(() => NativeTokenLogProbs.Forward(zeros([2, 8]), zeros([3], dtype: ScalarType.Int64)));
    }

    private static void ModelPathsAgree(Device device, ScalarType dtype, double tolerance)
    {
        var reference = TinyGemmaFixture.Reference();
        var (ids, mask, completion) = (reference["input_ids"].to(device), reference["attention_mask"].to(device), reference["completion_mask"].to(device));
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder, dtype, device);
        model.train();
        var weights = tensor(new[] { 1.0f, -0.5f }).to(device);

        (Tensor Value, Dictionary<string, Tensor> Gradients) Run(TokenLogProbsPath path)
        {
            ChunkTokenLogProbs.PathOverride.Value = path;
            try
            {
                model.zero_grad();
                var value = model.CompletionLogProbs(model.forward(ids, mask), ids, completion, 7);
                (value * weights).sum().backward();
                model.ReturnedGradients.Release();
                return (value.detach().cpu(), model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.to(ScalarType.Float32).cpu()));
            }
            finally
            {
                ChunkTokenLogProbs.PathOverride.Value = TokenLogProbsPath.Auto;
            }
        }

        var (expectedValue, expected) = Run(TokenLogProbsPath.TorchSharp);
        var (actualValue, actual) = Run(TokenLogProbsPath.Native);

        Assert.True(RelativeError(actualValue, expectedValue) <= 1e-6, $"log-prob sums differ: {RelativeError(actualValue, expectedValue)}");
        foreach (var (name, gradient) in expected)
        {
            Assert.True(gradient.abs().max().item<float>() > 0, $"{name}: a zero gradient would make the comparison vacuous");
            Assert.True(RelativeError(actual[name], gradient) <= tolerance, $"{name}: rel. error {RelativeError(actual[name], gradient)}");
        }
    }

    [Fact]
    public void Given_the_fixture_model_When_its_chunked_log_probs_run_natively_on_the_cpu_Then_values_and_gradients_equal_the_TorchSharp_path() =>
        ModelPathsAgree(CPU, ScalarType.Float32, 1e-5);

    [Fact]
    [Trait("gpu", "true")]
    public void Given_the_fixture_model_in_bf16_on_cuda_When_its_chunked_log_probs_run_natively_Then_values_and_gradients_equal_the_TorchSharp_path() =>
        ModelPathsAgree(CUDA, ScalarType.BFloat16, 2e-2);
}
