using System.Globalization;
using DeltaTui.Torch.Interop;
using DeltaTui.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Validation;

/// <summary>
/// The native BSR-AdamW against <see cref="BsrAdamWReference"/> on the same device, fed identical weights,
/// active blocks and gradients, the way a run drives it: B = 32 blocks at density 0.1 on the 2-D weights, the
/// norms dense, global-norm clipping that bites on about half of the steps, a learning rate that changes per
/// step, and a re-selection of every weight's active blocks half-way. Afterwards every weight, both moments
/// and (for bf16) the fp32 master must agree within <see cref="Tolerance"/> as ‖native − reference‖ / ‖reference‖.
/// </summary>
public sealed class BsrAdamWAgreementCheck : IValidationCheck
{
    public const int BlockSize = 32;
    public const double Density = 0.1;
    public const double Tolerance = 1e-5;

    /// <summary>
    /// bf16 weights are the fp32 master rounded to 8 significant bits: a master one fp32 ulp away from the
    /// reference's can round to the neighbouring bf16 value on a rare element, so the bf16 copy is held to bf16
    /// resolution while the master, which carries the update, is held to <see cref="Tolerance"/>.
    /// </summary>
    public const double Bf16WeightTolerance = 1e-3;

    // Large enough that 100 steps move the active weights well beyond rounding noise.
    private const double LearningRate = 1e-3;
    private const double GradientScale = 1e-2;
    private static readonly BsrAdamWOptions Hyperparameters = new(Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1);

    private readonly Device device;
    private readonly ScalarType dtype;
    private readonly int steps;
    private readonly IReadOnlyList<(string Name, long[] Shape)> shapes;
    private readonly ulong seed;

    /// <param name="shapes">2-D shapes get a block layout, others are updated densely.</param>
    public BsrAdamWAgreementCheck(Device device, ScalarType dtype, int steps, IReadOnlyList<(string Name, long[] Shape)> shapes, ulong seed)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16)) throw new ArgumentException($"BSR-AdamW takes float32 or bfloat16 weights, not {dtype}");
        if (steps < 1) throw new ArgumentException($"the comparison needs at least 1 step, got {steps}");
        if (!shapes.Any(s => s.Shape.Length == 2)) throw new ArgumentException("the comparison needs at least one 2-D weight");
        this.device = device;
        this.dtype = dtype;
        this.steps = steps;
        this.shapes = shapes;
        this.seed = seed;
    }

    public string Name => dtype == ScalarType.BFloat16 ? "bsr-adamw bf16" : "bsr-adamw fp32";

    /// <summary>Called after every native step with the native side's parameters; tests corrupt them here to see the check fail.</summary>
    internal Action<int, IReadOnlyList<BsrParameter>>? AfterNativeStep { get; init; }

    /// <summary>Whether the native library loaded; tests replace it to see the check fail without one.</summary>
    internal Func<NativeBackendStatus> NativeStatus { get; init; } = () => NativeBackend.Status;

    public CheckOutcome Run(CancellationToken cancellationToken)
    {
        var status = NativeStatus();
        if (!status.Available) return CheckOutcome.Fail($"the native library is not available: {status.Error}");
        if (device.type == DeviceType.CUDA && !status.CudaCompiled)
            return CheckOutcome.Fail("the native library was built without CUDA (no nvcc at build time); rebuild src/Native with the CUDA toolkit");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // TorchSharp's Generator objects are CPU generators whatever device they are given, so CUDA tensors draw
        // from the device's default generator, seeded here.
        using var generator = device.type == DeviceType.CUDA ? null : new Generator(seed);
        if (generator is null) cuda.manual_seed_all((long)seed);
        var random = new Random(unchecked((int)seed));
        var nativeParameters = new List<BsrParameter>();
        var referenceParameters = new List<BsrParameter>();
        foreach (var (name, shape) in shapes)
        {
            var weights = randn(shape, ScalarType.Float32, device, generator: generator).to(dtype);
            var layout = shape.Length == 2 ? BlockLayout.Random(shape[0], shape[1], BlockSize, Density, random) : null;
            nativeParameters.Add(new BsrParameter(name, WithZeroGradient(weights.clone()), layout));
            referenceParameters.Add(new BsrParameter(name, WithZeroGradient(weights), layout));
        }

        using var native = new NativeBsrAdamW(nativeParameters, Hyperparameters);
        using var reference = new BsrAdamWReference(referenceParameters, Hyperparameters);
        // The norm a step's gradients have at GradientScale; clipping at it scales down the steps drawn above it.
        var maxGradNorm = GradientScale * Math.Sqrt(nativeParameters.Sum(p => p.Layout?.ActiveElements ?? p.Tensor.numel()));
        var reselectAt = steps >= 2 ? steps / 2 + 1 : 0;
        var clipped = 0;
        var worstNormError = 0.0;
        for (var step = 1; step <= steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (step == reselectAt) Reselect(native, reference, nativeParameters, random);
            var scale = GradientScale * (0.5 + random.NextDouble());
            for (var i = 0; i < nativeParameters.Count; i++)
            {
                using var nativeGrad = nativeParameters[i].Tensor.grad!;
                using var referenceGrad = referenceParameters[i].Tensor.grad!;
                nativeGrad.normal_(0, scale, generator);
                referenceGrad.copy_(nativeGrad);
            }
            var learningRate = LearningRate * (0.5 + 0.5 * step / steps);
            var a = native.Step(learningRate, maxGradNorm);
            var b = reference.Step(learningRate, maxGradNorm);
            if (!a.Applied || !b.Applied)
                return CheckOutcome.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"step {step}: {native.Backend} {(a.Applied ? "applied" : "skipped")} it, the reference {(b.Applied ? "applied" : "skipped")} it (gradient norms {a.GradNorm:G6} and {b.GradNorm:G6})"));
            var normError = Math.Abs(a.GradNorm - b.GradNorm) / b.GradNorm;
            if (!(normError <= Tolerance))
                return CheckOutcome.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"step {step}: {native.Backend} measured the gradient norm {a.GradNorm:G9}, the reference {b.GradNorm:G9} (relative error {Format(normError)} > {Format(Tolerance)})"));
            worstNormError = Math.Max(worstNormError, normError);
            if (b.GradNorm > maxGradNorm) clipped++;
            AfterNativeStep?.Invoke(step, nativeParameters);
        }

        var differences = Compare(native, reference, nativeParameters, referenceParameters);
        var worst = differences.MaxBy(d => double.IsNaN(d.Error) ? double.PositiveInfinity : d.Error / d.Limit)!;
        var failing = differences.Count(d => !(d.Error <= d.Limit));
        var parameters = nativeParameters.Sum(p => p.Tensor.numel());
        var setup = string.Create(CultureInfo.InvariantCulture,
            $"{steps} step(s) on {device}, {nativeParameters.Count} tensors, {parameters:N0} parameters, B={BlockSize} density {Density}, clipped {clipped}/{steps}{(reselectAt > 0 ? $", re-selected at step {reselectAt}" : "")}");
        if (failing > 0)
            return CheckOutcome.Fail($"{native.Backend} differs from the reference in {failing} of {differences.Count} weights and moments; worst {worst.What}: ‖native − reference‖/‖reference‖ {Format(worst.Error)} > {Format(worst.Limit)}; {setup}");
        return CheckOutcome.Pass($"{native.Backend} = reference: max ‖native − reference‖/‖reference‖ {Format(worst.Error)} ≤ {Format(worst.Limit)} ({worst.What}), gradient norm {Format(worstNormError)}; {setup}");
    }

    private static Tensor WithZeroGradient(Tensor weights)
    {
        weights.requires_grad_(true);
        weights.grad = zeros_like(weights);
        return weights;
    }

    private static void Reselect(IBsrAdamW native, IBsrAdamW reference, IReadOnlyList<BsrParameter> parameters, Random random)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Layout is not { } old) continue;
            var next = BlockLayout.Random(old.Rows, old.Cols, BlockSize, Density, random);
            native.SetActiveBlocks(i, next);
            reference.SetActiveBlocks(i, next);
        }
    }

    private List<Difference> Compare(IBsrAdamW native, IBsrAdamW reference, IReadOnlyList<BsrParameter> nativeParameters, IReadOnlyList<BsrParameter> referenceParameters)
    {
        var differences = new List<Difference>();
        for (var i = 0; i < nativeParameters.Count; i++)
        {
            using var scope = NewDisposeScope();
            var name = nativeParameters[i].Name;
            // The parameters' own device (cuda:0, not cuda): the native side copies state only there or to the CPU.
            var on = nativeParameters[i].Tensor.device;
            var ours = native.GetTensorState(i, on);
            var theirs = reference.GetTensorState(i, on);
            differences.Add(new(name, TensorAgreement.RelativeError(nativeParameters[i].Tensor, referenceParameters[i].Tensor),
                dtype == ScalarType.BFloat16 ? Bf16WeightTolerance : Tolerance));
            differences.Add(new($"{name} exp_avg", TensorAgreement.RelativeError(ours.ExpAvg, theirs.ExpAvg), Tolerance));
            differences.Add(new($"{name} exp_avg_sq", TensorAgreement.RelativeError(ours.ExpAvgSq, theirs.ExpAvgSq), Tolerance));
            if (theirs.Master is not null)
            {
                differences.Add(ours.Master is null
                    ? new($"{name} master (missing on the native side)", double.NaN, Tolerance)
                    : new($"{name} master", TensorAgreement.RelativeError(ours.Master, theirs.Master), Tolerance));
            }
        }
        return differences;
    }

    private static string Format(double value) => value.ToString("0.0e+00", CultureInfo.InvariantCulture);

    private sealed record Difference(string What, double Error, double Limit);
}
