using DeltaTui.Torch.Interop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// The `adamw` optimizer on libdeltatui_native: AdamW with decoupled weight decay, global-norm
/// clipping and non-finite steps skipped, run as BSR-AdamW with every block of every 2-D weight
/// active and every other tensor on the dense path, so that one launch updates all parameters
/// (TorchSharp's AdamW launches about ten kernels per parameter). Moments are fp32, and bf16
/// weights keep an fp32 master. Parameters that do not require gradients are left out, as
/// TorchSharp's AdamW never moves them; every other parameter needs a gradient at every step.
/// </summary>
public sealed class NativeAdamWStep : IOptimizerStep
{
    private readonly BsrAdamWStep inner;
    private readonly NativeBsrAdamW plan;
    private readonly Dictionary<string, Tensor> frozen;
    private readonly List<(string Name, Parameter Parameter)> all;
    private readonly BsrAdamWOptions options;

    public NativeAdamWStep(IEnumerable<(string Name, Parameter Parameter)> namedParameters, BsrAdamWOptions options)
    {
        this.options = options;
        all = namedParameters.ToList();
        frozen = all.Where(p => !p.Parameter.requires_grad).ToDictionary(p => p.Name, p => (Tensor)p.Parameter);
        var parameters = all.Where(p => p.Parameter.requires_grad).Select(p =>
        {
            Tensor t = p.Parameter;
            var layout = t.ndim == 2 ? BlockLayout.Dense(t.shape[0], t.shape[1], BlockSizeFor(t.dtype)) : null;
            return new BsrParameter(p.Name, t, layout);
        }).ToList();
        plan = new NativeBsrAdamW(parameters, options);
        inner = new BsrAdamWStep(plan);
        Gradients = new DensePlanPasses(plan.Gradients);
    }

    /// <summary>
    /// The plan's passes, its norm over the plan (every block active) standing for the global one. Parameters that need
    /// no gradient are not in the plan; an accumulator for one makes the squares pass false.
    /// </summary>
    private sealed class DensePlanPasses(NativeGradientPasses passes) : IGradientPasses
    {
        public bool TryZeroGradients() => passes.TryZeroGradients();

        public bool TryAccumulateGradientSquares(IReadOnlyList<(string Name, Tensor Accumulator)> accumulators, double keep, double weight) =>
            passes.TryAccumulateGradientSquares(accumulators, keep, weight);

        public Tensor? GlobalGradNorm() => passes.GradNorm();
    }

    /// <summary>"adamw/native-cuda" or "adamw/native-cpu".</summary>
    public string Name => "adamw/" + inner.Optimizer.Backend;

    public long StepCount => inner.StepCount;

    /// <summary>The plan underneath (state size, backend).</summary>
    public IBsrAdamW Optimizer => inner.Optimizer;

    /// <summary>
    /// Block edge for fully active 2-D weights: the fastest at density 1 in the kernel lab
    /// (src/Native/README.md: fp32 64, bf16 with master 128).
    /// </summary>
    public static int BlockSizeFor(ScalarType dtype) => dtype == ScalarType.BFloat16 ? 128 : 64;

    /// <summary>Why these parameters cannot run on the native library here; null when they can.</summary>
    public static string? Unsupported(IReadOnlyList<(string Name, Parameter Parameter)> namedParameters)
    {
        var status = NativeBackend.Status;
        if (!status.Available) return $"the native library is not available ({status.Error})";
        Device? device = null;
        foreach (var (name, p) in namedParameters)
        {
            if (!p.requires_grad) continue;
            if (p.dtype != ScalarType.Float32 && p.dtype != ScalarType.BFloat16) return $"parameter '{name}' is {p.dtype}; the native optimizer takes float32 or bfloat16";
            if (!p.is_contiguous()) return $"parameter '{name}' is not contiguous";
            if (p.numel() == 0) return $"parameter '{name}' is empty";
            if (p.device_type is not (DeviceType.CPU or DeviceType.CUDA)) return $"parameter '{name}' is on {p.device}";
            if (device is null) device = p.device;
            else if (p.device_type != device.type || p.device_index != device.index) return $"parameters are on {device} and {p.device}";
            if (p.device_type == DeviceType.CUDA && !status.CudaCompiled) return "the native library was built without CUDA";
        }
        return null;
    }

    public OptimizerStepResult Step(double learningRate, double maxGradNorm, Tensor? precomputedGradNorm = null) =>
        inner.Step(learningRate, maxGradNorm, precomputedGradNorm);

    /// <summary>The plan's passes; every trainable parameter is in the plan with every block active, so the plan's norm is the global one.</summary>
    public IGradientPasses Gradients { get; }

    public void ZeroGrad() => inner.ZeroGrad();

    public Tensor MomentumScore(string parameterName) =>
        frozen.TryGetValue(parameterName, out var p) ? zeros(p.shape, ScalarType.Float32, p.device) : inner.MomentumScore(parameterName);

    public void SaveState(BinaryWriter writer) => inner.SaveState(writer);

    /// <summary>Reads this optimizer's checkpoint, or one that TorchSharp's dense AdamW wrote (converted).</summary>
    public void LoadState(BinaryReader reader)
    {
        if (BsrAdamWStateSerializer.StartsHere(reader) == false) DenseAdamWStateConversion.LoadTorchIntoNative(reader, all, options, inner.Optimizer);
        else inner.LoadState(reader);
    }

    public void Dispose() => inner.Dispose();
}
