using DeltaTui.Training.Dpo;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// BSR-AdamW behind the trainer's <see cref="IDpoOptimizer"/>: 2-D weights take the block path,
/// everything else the dense one. The native library is used when it loads (for the parameters'
/// device), the TorchSharp reference otherwise. The trainer clips gradients before
/// <see cref="Step"/>, so no clipping happens here.
/// </summary>
public sealed class BsrAdamWDpoOptimizer : IDpoOptimizer
{
    private readonly BsrAdamWStep step;
    private readonly Dictionary<Parameter, int> index = new(ReferenceEqualityComparer.Instance);

    /// <param name="layouts">Initial active blocks of 2-D weights; a weight not listed starts fully active.</param>
    /// <param name="fallbackReason">Why the reference backend was chosen; null when native.</param>
    public BsrAdamWDpoOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, int blockSize, BsrAdamWOptions options,
        IReadOnlyDictionary<string, BlockLayout>? layouts, out string? fallbackReason)
    {
        for (var i = 0; i < parameters.Count; i++) index[parameters[i].Parameter] = i;
        step = (BsrAdamWStep)OptimizerFactory.Create(OptimizerFactory.BsrAdamW, parameters, options, blockSize, layouts, out fallbackReason);
    }

    public string Name => OptimizerFactory.BsrAdamW;

    /// <summary>The BSR-AdamW underneath (backend name, layouts, state).</summary>
    public IBsrAdamW Optimizer => step.Optimizer;

    public void Step(double learningRate) => step.Optimizer.Step(learningRate, maxGradNorm: 0, computeNorm: false);

    public void ZeroGrad() => step.ZeroGrad();

    public bool TryGetMoments(Parameter parameter, out Tensor expAvg, out Tensor expAvgSq, out long stepCount)
    {
        expAvg = expAvgSq = null!;
        stepCount = step.StepCount;
        if (stepCount == 0 || !index.TryGetValue(parameter, out var i)) return false;
        (expAvg, expAvgSq) = FullShapeMoments(step.Optimizer, i);
        return true;
    }

    /// <summary>Changes the active blocks of a 2-D weight (kept blocks keep their moments).</summary>
    public void SetActiveBlocks(Parameter parameter, BlockLayout layout) =>
        step.Optimizer.SetActiveBlocks(index.TryGetValue(parameter, out var i) ? i : throw new KeyNotFoundException("parameter is not in this optimizer"), layout);

    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        step.SaveState(writer);
    }

    public void LoadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        step.LoadState(reader);
    }

    public void Dispose() => step.Dispose();

    /// <summary>exp_avg and exp_avg_sq of parameter <paramref name="index"/> in its full shape, zero in frozen blocks.</summary>
    public static (Tensor ExpAvg, Tensor ExpAvgSq) FullShapeMoments(IBsrAdamW optimizer, int index)
    {
        using var scope = NewDisposeScope();
        var p = optimizer.Parameters[index].Tensor;
        var state = optimizer.GetTensorState(index, p.device);
        if (state.Layout is null)
            return (state.ExpAvg.reshape(p.shape).MoveToOuterDisposeScope(), state.ExpAvgSq.reshape(p.shape).MoveToOuterDisposeScope());
        var ids = BlockTiling.BlockIds(state.Layout, p.device);
        var zero = zeros(p.shape, ScalarType.Float32, p.device);
        return (BlockTiling.Scatter(state.ExpAvg, zero, state.Layout, ids).MoveToOuterDisposeScope(),
            BlockTiling.Scatter(state.ExpAvgSq, zero, state.Layout, ids).MoveToOuterDisposeScope());
    }
}
