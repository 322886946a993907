using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Dense AdamW on TorchSharp's optimizer, with global clipping and non-finite skipping around it:
/// `adamw` where the native library is not available, and `adamw-torch` on request. About ten
/// kernels per parameter and step; <see cref="NativeAdamWStep"/> is one launch for all.
/// </summary>
public sealed class TorchAdamWStep : IOptimizerStep
{
    private readonly List<(string Name, Parameter Parameter)> parameters;
    private readonly AdamW optimizer;
    private readonly BsrAdamWOptions options;

    public TorchAdamWStep(IEnumerable<(string Name, Parameter Parameter)> namedParameters, BsrAdamWOptions options)
    {
        options.Validate();
        this.options = options;
        parameters = namedParameters.ToList();
        optimizer = optim.AdamW(parameters.Select(p => p.Parameter), lr: 1e-3, beta1: options.Beta1, beta2: options.Beta2,
            eps: options.Eps, weight_decay: options.WeightDecay);
    }

    public string Name => "adamw/torch";

    public long StepCount { get; private set; }

    public OptimizerStepResult Step(double learningRate, double maxGradNorm, Tensor? precomputedGradNorm = null)
    {
        var norm = GradientClipping.ClipGlobalNorm(parameters.Select(p => (Tensor)p.Parameter), maxGradNorm, precomputedGradNorm);
        if (!double.IsFinite(norm)) return new OptimizerStepResult(norm, Finite: false, Applied: false, learningRate);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
        optimizer.step();
        StepCount++;
        return new OptimizerStepResult(norm, Finite: true, Applied: true, learningRate);
    }

    /// <summary>TorchSharp has no multi-tensor ops: the caller's per-tensor norms and ops are as good as anything here.</summary>
    public IGradientPasses Gradients => NoGradientPasses.Instance;

    public void ZeroGrad()
    {
        using var noGrad = no_grad();
        foreach (var (_, p) in parameters)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    public Tensor MomentumScore(string parameterName)
    {
        var i = parameters.FindIndex(p => p.Name == parameterName);
        if (i < 0) throw new KeyNotFoundException($"the optimizer has no parameter '{parameterName}'");
        var state = optimizer.state_dict().State[i] as AdamW.State;
        var p = parameters[i].Parameter;
        if (state?.exp_avg is null || state.exp_avg_sq is null || state.step == 0)
            return zeros(p.shape, ScalarType.Float32, p.device);
        return Optim.MomentumScore.FromMoments(state.exp_avg, state.exp_avg_sq, state.step, options.Beta1, options.Beta2, options.Eps);
    }

    public void SaveState(BinaryWriter writer)
    {
        writer.Write(StepCount);
        optimizer.save_state_dict(writer);
    }

    /// <summary>Reads this optimizer's checkpoint, or one of the native dense AdamW (converted: same moments, step count).</summary>
    public void LoadState(BinaryReader reader)
    {
        if (BsrAdamWStateSerializer.StartsHere(reader) == true)
        {
            DenseAdamWStateConversion.LoadNativeIntoTorch(BsrAdamWStateSerializer.Read(reader), this);
            return;
        }
        var steps = reader.ReadInt64();
        if (steps < 0) throw new InvalidDataException($"optimizer state has a negative step count {steps}");
        optimizer.load_state_dict(reader);
        StepCount = steps;
    }

    internal IReadOnlyList<(string Name, Parameter Parameter)> Parameters => parameters;

    /// <summary>TorchSharp's state of parameter <paramref name="index"/> (live tensors, not copies).</summary>
    internal AdamW.State StateOf(int index) =>
        optimizer.state_dict().State[index] as AdamW.State ?? throw new InvalidOperationException($"no AdamW state for parameter '{parameters[index].Name}'");

    internal void SetStepCount(long steps) => StepCount = steps;

    public void Dispose() => optimizer.Dispose();
}
