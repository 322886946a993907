using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// BSR-AdamW in plain TorchSharp: the definition of the semantics, the check for the native
/// backends, and the fallback where the native library is missing. Same operation order as
/// PyTorch's single-tensor AdamW (and as the native kernels).
/// </summary>
public sealed class BsrAdamWReference : IBsrAdamW
{
    private readonly List<Slot> slots;

    public BsrAdamWReference(IReadOnlyList<BsrParameter> parameters, BsrAdamWOptions options)
    {
        options.Validate();
        Options = options;
        Parameters = parameters;
        BsrParameterChecks.Validate(parameters);
        slots = parameters.Select(CreateSlot).ToList();
    }

    public string Backend => "reference";

    public IReadOnlyList<BsrParameter> Parameters { get; }

    public long StepCount { get; private set; }

    public BsrAdamWOptions Options { get; }

    public long StateBytes => slots.Sum(s => 4 * (s.ExpAvg.numel() + s.ExpAvgSq.numel() + (s.Master?.numel() ?? 0)));

    /// <summary>The reference has no one-pass gradient work: the caller's per-tensor ops are the same arithmetic.</summary>
    public IGradientPasses Gradients => NoGradientPasses.Instance;

    public bool AllBlocksActive => slots.All(s => s.Layout is null || s.Layout.ActiveBlocks == s.Layout.TotalBlocks);

    public OptimizerStepResult Step(double learningRate, double maxGradNorm = 0, bool computeNorm = true, Tensor? precomputedGradNorm = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = slots.Select(s => s.Blocked
            ? BlockTiling.Gather(BsrParameterChecks.GradOf(s.Parameter), s.Layout!, s.Ids!).to(ScalarType.Float32)
            : BsrParameterChecks.GradOf(s.Parameter).reshape(-1).to(ScalarType.Float32)).ToList();
        var norm = double.NaN;
        var clip = 1.0;
        if (maxGradNorm > 0 || computeNorm)
        {
            if (precomputedGradNorm is not null)
            {
                if (slots.Count > 0) BsrParameterChecks.CheckGradNorm(precomputedGradNorm, slots[0].Parameter.Tensor);
                norm = precomputedGradNorm.reshape(-1).to(ScalarType.Float64).item<double>();
            }
            else
            {
                var sum = zeros(1, ScalarType.Float64, grads.Count > 0 ? grads[0].device : CPU);
                foreach (var g in grads) sum = sum.Plus(g.to(ScalarType.Float64).square().sum());
                norm = Math.Sqrt(sum.item<double>());
            }
            if (!double.IsFinite(norm)) return new OptimizerStepResult(norm, Finite: false, Applied: false, learningRate);
            if (maxGradNorm > 0) clip = Math.Min(1.0, maxGradNorm / (norm + 1e-6));
        }
        var t = StepCount + 1;
        var bc1 = 1 - Math.Pow(Options.Beta1, t);
        var bc2 = 1 - Math.Pow(Options.Beta2, t);
        // Held for the whole step: see Scalars for why a number must not be left to an implicit conversion.
        using var clipScalar = ((float)clip).ToScalar();
        using var sqrtBc2 = Math.Sqrt(bc2).ToScalar();
        using var decay = (1 - learningRate * Options.WeightDecay).ToScalar();
        using var stepSize = (-learningRate / bc1).ToScalar();
        for (var i = 0; i < slots.Count; i++)
        {
            var slot = slots[i];
            if (slot.ExpAvg.numel() == 0) continue;
            var g = (float)clip != 1.0f ? grads[i].mul(clipScalar) : grads[i];
            var weights = slot.Master ?? (slot.Blocked
                ? BlockTiling.Gather(slot.Parameter.Tensor, slot.Layout!, slot.Ids!)
                : slot.Parameter.Tensor.view(-1));
            slot.ExpAvg.mul_(Scalars.Of(Options.Beta1)).add_(g, alpha: Scalars.Of(1 - Options.Beta1));
            slot.ExpAvgSq.mul_(Scalars.Of(Options.Beta2)).addcmul_(g, g, value: Scalars.Of(1 - Options.Beta2));
            var denom = slot.ExpAvgSq.sqrt().div_(sqrtBc2).PlusInPlace(Scalars.Of(Options.Eps));
            weights.mul_(decay);
            weights.addcdiv_(slot.ExpAvg, denom, value: stepSize);
            WriteBack(slot, weights);
        }
        StepCount = t;
        return new OptimizerStepResult(norm, Finite: true, Applied: true, learningRate);
    }

    public void SetActiveBlocks(int index, BlockLayout layout)
    {
        var slot = SlotAt(index);
        if (!slot.Blocked) throw new ArgumentException($"parameter '{slot.Parameter.Name}' is dense; it has no blocks");
        if (!slot.Layout!.SameShape(layout))
            throw new ArgumentException($"parameter '{slot.Parameter.Name}': the new layout is {layout.Rows} x {layout.Cols} / {layout.BlockSize}, the old one {slot.Layout.Rows} x {slot.Layout.Cols} / {slot.Layout.BlockSize}");
        using var noGrad = no_grad();
        var param = slot.Parameter.Tensor;
        var ids = BlockTiling.BlockIds(layout, param.device);
        Tensor Remap(Tensor blocks, Tensor basis)
        {
            using var full = BlockTiling.Scatter(blocks, basis, slot.Layout!, slot.Ids!);
            return BlockTiling.Gather(full, layout, ids);
        }
        using var zero = zeros(param.shape, ScalarType.Float32, param.device);
        var m = Remap(slot.ExpAvg, zero);
        var v = Remap(slot.ExpAvgSq, zero);
        Tensor? master = null;
        if (slot.Master is not null)
        {
            using var weights = param.to(ScalarType.Float32);
            master = Remap(slot.Master, weights);
        }
        slot.Replace(layout, ids, m, v, master);
    }

    public BsrTensorState GetTensorState(int index, Device? device = null)
    {
        var s = SlotAt(index);
        var to = device ?? CPU;
        return new BsrTensorState(s.Parameter.Name, s.Layout, s.ExpAvg.to(to).clone(), s.ExpAvgSq.to(to).clone(), s.Master?.to(to).clone());
    }

    public BsrAdamWState CaptureState() => new(StepCount, Enumerable.Range(0, slots.Count).Select(i => GetTensorState(i)).ToList());

    public void RestoreState(BsrAdamWState state)
    {
        BsrParameterChecks.ValidateState(Parameters, state);
        for (var i = 0; i < slots.Count; i++)
        {
            var saved = state.Tensors[i];
            if (saved.Layout is not null) SetActiveBlocks(i, saved.Layout);
            var slot = slots[i];
            using var noGrad = no_grad();
            slot.ExpAvg.copy_(saved.ExpAvg.reshape(slot.ExpAvg.shape));
            slot.ExpAvgSq.copy_(saved.ExpAvgSq.reshape(slot.ExpAvgSq.shape));
            if (slot.Master is not null && saved.Master is not null) slot.Master.copy_(saved.Master.reshape(slot.Master.shape));
        }
        StepCount = state.Step;
    }

    public void Dispose()
    {
        foreach (var s in slots) s.Dispose();
    }

    private Slot SlotAt(int index) =>
        index >= 0 && index < slots.Count ? slots[index] : throw new ArgumentOutOfRangeException(nameof(index), $"no parameter {index} (there are {slots.Count})");

    private static Slot CreateSlot(BsrParameter p)
    {
        using var noGrad = no_grad();
        var param = p.Tensor;
        var bf16 = param.dtype == ScalarType.BFloat16;
        if (p.Layout is null)
        {
            var n = param.numel();
            return new Slot(p, null, null, zeros(n, ScalarType.Float32, param.device), zeros(n, ScalarType.Float32, param.device),
                bf16 ? param.reshape(-1).to(ScalarType.Float32) : null);
        }
        var ids = BlockTiling.BlockIds(p.Layout, param.device);
        long b = p.Layout.BlockSize, nnz = p.Layout.ActiveBlocks;
        Tensor? master = null;
        if (bf16)
        {
            using var weights = param.to(ScalarType.Float32);
            master = BlockTiling.Gather(weights, p.Layout, ids);
        }
        return new Slot(p, p.Layout, ids, zeros([nnz, b, b], ScalarType.Float32, param.device),
            zeros([nnz, b, b], ScalarType.Float32, param.device), master);
    }

    private static void WriteBack(Slot slot, Tensor weights)
    {
        var param = slot.Parameter.Tensor;
        if (!slot.Blocked)
        {
            if (slot.Master is not null) param.view(-1).copy_(weights);
            return;
        }
        using var updated = BlockTiling.Scatter(weights, param, slot.Layout!, slot.Ids!);
        param.copy_(updated);
    }

    private sealed class Slot(BsrParameter parameter, BlockLayout? layout, Tensor? ids, Tensor expAvg, Tensor expAvgSq, Tensor? master)
        : IDisposable
    {
        public BsrParameter Parameter { get; } = parameter;
        public BlockLayout? Layout { get; private set; } = layout;
        public Tensor? Ids { get; private set; } = ids;
        public Tensor ExpAvg { get; private set; } = expAvg;
        public Tensor ExpAvgSq { get; private set; } = expAvgSq;
        public Tensor? Master { get; private set; } = master;
        public bool Blocked => Layout is not null;

        public void Replace(BlockLayout layout, Tensor ids, Tensor m, Tensor v, Tensor? master)
        {
            Dispose();
            (Layout, Ids, ExpAvg, ExpAvgSq, Master) = (layout, ids, m, v, master);
        }

        public void Dispose()
        {
            Ids?.Dispose();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            Master?.Dispose();
        }
    }
}
