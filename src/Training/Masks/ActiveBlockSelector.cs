using DeltaTui.Training.Dpo;
using DeltaTui.Training.Optim;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Chooses which B×B blocks of each 2-D weight BSR-AdamW trains. The first selection (step 0) runs
/// after the first backward, before the first optimizer step, and scores blocks by the magnitude of
/// that minibatch gradient |g| (there is no history yet; the sparse fine-tuning literature does the
/// same). Later re-selections, every <see cref="ReselectEvery"/> steps, use the accumulated Fisher
/// score (running mean of g²) when one is available for the weight, and |g| otherwise. Each weight
/// keeps round(density × blocks) blocks, at least one; the optimizer zeroes moments of new blocks
/// and frees those of dropped ones.
/// </summary>
public sealed class ActiveBlockSelector
{
    private readonly BsrAdamWStep _optimizer;
    private readonly Func<string, Tensor?>? _accumulatedScore;
    private readonly bool _initialSetGiven;
    private Dictionary<int, BlockLayout>? _current;

    /// <summary>
    /// The layout in force for a blocked parameter. Read once from the optimizer (a resumed run restored it there),
    /// then kept here as selections change it.
    /// </summary>
    private BlockLayout? CurrentLayout(int index)
    {
        if (_current is null)
        {
            _current = [];
            var parameters = _optimizer.Optimizer.Parameters;
            for (var i = 0; i < parameters.Count; i++)
            {
                if (parameters[i].Layout is null) continue;
                var state = _optimizer.Optimizer.GetTensorState(i);
                using (state.ExpAvg) using (state.ExpAvgSq) using (state.Master) _current[i] = state.Layout!;
            }
        }
        return _current.TryGetValue(index, out var layout) ? layout : null;
    }

    /// <param name="accumulatedScore">Fisher score of a weight by name (the caller's copy, disposed here), or null when it has none.</param>
    /// <param name="initialSetGiven">The first active set came from elsewhere (optimizer.active_from): no selection before the first step.</param>
    public ActiveBlockSelector(BsrAdamWStep optimizer, double density, int reselectEvery, Func<string, Tensor?>? accumulatedScore, bool initialSetGiven = false)
    {
        _initialSetGiven = initialSetGiven;
        if (!(density > 0 && density <= 1)) throw new ArgumentException($"optimizer.bsr_density must be in (0, 1], got {density}");
        if (reselectEvery < 0) throw new ArgumentException($"optimizer.reselect_every must be ≥ 0, got {reselectEvery}");
        _optimizer = optimizer;
        _accumulatedScore = accumulatedScore;
        Density = density;
        ReselectEvery = reselectEvery;
    }

    public double Density { get; }

    public int ReselectEvery { get; }

    /// <summary>
    /// Whether the step about to be taken (0-based: the number of steps already done) selects first.
    /// Until an optimizer step has been applied the blocks are (re)chosen from each new gradient, so
    /// skipped non-finite first steps cannot leave every block active; after that only every
    /// <see cref="ReselectEvery"/> steps. A resumed run restores its layouts with the optimizer state
    /// and so re-selects only where an uninterrupted run would.
    /// </summary>
    public bool IsDue(int step, long appliedSteps) =>
        (appliedSteps == 0 && !_initialSetGiven) || (ReselectEvery > 0 && step > 0 && step % ReselectEvery == 0);

    /// <summary>Selects and applies the active blocks of every blocked weight from the gradients now in .grad.</summary>
    /// <returns>Active blocks per blocked weight, all blocks, and the churn against the previous selection (none at the first).</returns>
    public (IReadOnlyDictionary<string, int> Active, long Total, ActiveSetChurn? Churn) Select(int step)
    {
        var active = new Dictionary<string, int>(StringComparer.Ordinal);
        long total = 0;
        var churn = default(ActiveSetChurn);
        var first = _optimizer.StepCount == 0 && !_initialSetGiven;
        var parameters = _optimizer.Optimizer.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (CurrentLayout(i) is not { } tiling) continue;
            using var score = Score(p, step);
            var layout = BlockSelection.TopBlocks(score, tiling.BlockSize, (double)ActiveBlocksFor(tiling.TotalBlocks, Density) / tiling.TotalBlocks);
            churn += ActiveSetChurn.Between(tiling.LinearBlockIds(), layout.LinearBlockIds());
            _optimizer.Optimizer.SetActiveBlocks(i, layout);
            _current![i] = layout;
            active[p.Name] = layout.ActiveBlocks;
            total += layout.TotalBlocks;
        }
        return (active, total, first ? null : churn);
    }

    /// <summary>The element masks of the active blocks of every blocked weight, on its device (the caller disposes them).</summary>
    public IReadOnlyDictionary<string, Tensor> ActiveElementMasks()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var parameters = _optimizer.Optimizer.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (CurrentLayout(i) is not { } layout) continue;
            using var blocks = layout.ToBlockMask();
            using var onDevice = blocks.to(p.Tensor.device);
            result[p.Name] = BlockPooling.Expand(onDevice, p.Tensor.shape, layout.BlockSize);
        }
        return result;
    }

    /// <summary>round(density × blocks), at least one so that no weight is frozen by rounding alone.</summary>
    public static int ActiveBlocksFor(long totalBlocks, double density) =>
        Math.Max(1, (int)Math.Round(density * totalBlocks));

    private Tensor Score(BsrParameter p, int step)
    {
        if (step > 0 && _accumulatedScore?.Invoke(p.Name) is { } fisher) return fisher;
        using var noGrad = no_grad();
        var g = p.Tensor.grad;
        return g is null ? zeros(p.Tensor.shape, ScalarType.Float32, p.Tensor.device) : g.detach().to(ScalarType.Float32).abs();
    }
}
