using DeltaTui.Core.Events;
using DeltaTui.Training.Config;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Keeps the live IoU of a block-sparse run honest (docs/iou.md). The optimizer changes only its active blocks, so
/// Magnitude (|θ − θ0|) and Momentum are zero elsewhere and their masks are drawn from the active set: compared over
/// all weights, their IoU is high by construction. So, while some blocks are frozen:
/// the masks of the live comparison keep (1 − sparsity) of the active elements rather than of all of them (saved
/// masks keep the configured sparsity), the chance IoU of Momentum vs Magnitude is that of random masks inside the
/// active set, and the snapshot says the comparison is confined (<see cref="DpoMetricNames.IouConfined"/>). It adds
/// the active density, the share of the Fisher mass inside the active blocks, and, with a reference mask
/// (optimizer.active_from), each method's IoU against it and the share of it inside the active blocks.
/// </summary>
public sealed class SparseRunIou : IDisposable
{
    private readonly Func<IReadOnlyDictionary<string, Tensor>> _activeMasks;
    private readonly Action<string>? _note;
    private readonly MaskSet? _reference;
    private bool _noted;

    /// <param name="activeMasks">The element masks of the active blocks of every blocked weight (copies, disposed here); weights absent are trained densely.</param>
    /// <param name="reference">The optimizer.active_from mask (owned), or null.</param>
    /// <param name="note">Where to say, once, that the configured masks would cover the whole active set.</param>
    public SparseRunIou(Func<IReadOnlyDictionary<string, Tensor>> activeMasks, MaskSet? reference = null, Action<string>? note = null)
    {
        _activeMasks = activeMasks;
        _reference = reference;
        _note = note;
    }

    /// <summary>The state of the active set at one comparison; dispose after use.</summary>
    public sealed class Frame(IReadOnlyDictionary<string, Tensor> active, double density, long activeElements) : IDisposable
    {
        public IReadOnlyDictionary<string, Tensor> Active => active;
        public double Density => density;
        public long ActiveElements => activeElements;
        public bool Confined => density < 1;

        public void Dispose()
        {
            foreach (var t in active.Values) t.Dispose();
        }
    }

    /// <summary>Reads the active set for the scored tensors (name, element count) and the options to build live masks with.</summary>
    public (Frame Frame, MaskOptions Options) Prepare(IReadOnlyList<(string Name, long Elements)> scored, MaskOptions options)
    {
        var active = _activeMasks();
        long total = 0, inside = 0;
        foreach (var (name, elements) in scored)
        {
            total += elements;
            inside += active.TryGetValue(name, out var mask) ? mask.count_nonzero().item<long>() : elements;
        }
        double density = total == 0 ? 1 : (double)inside / total;
        var frame = new Frame(active, density, inside);
        if (!frame.Confined) return (frame, options);
        double keep = 1 - options.Sparsity;
        if (ActiveSetStatistics.MaskAtOrAboveActiveDensity(keep, density) && !_noted)
        {
            _noted = true;
            _note?.Invoke(
                $"masks.sparsity {options.Sparsity:0.###} keeps {keep:P1} of the weights, but the optimizer changes only {density:P1} of them (its active blocks): " +
                $"masks that large would be the active set itself. The live IoU therefore keeps {keep:P0} of the active elements " +
                $"({ActiveSetStatistics.ConfinedKeep(keep, density):P2} of all) and compares Magnitude and Momentum inside the active set; saved masks keep the configured sparsity.");
        }
        var confined = options with { Sparsity = 1 - ActiveSetStatistics.ConfinedKeep(keep, density) };
        return (frame, confined);
    }

    /// <summary>Adds the sparse-run numbers to the snapshot's metrics.</summary>
    /// <param name="fisher">The Fisher score of a weight (a copy, disposed here), or null.</param>
    public Dictionary<string, double> Augment(IReadOnlyDictionary<string, double> metrics, Frame frame, MaskOptions used,
        IReadOnlyDictionary<ScoreMethod, MaskSet> masks, Func<string, Tensor?> fisher)
    {
        var result = new Dictionary<string, double>(metrics, StringComparer.Ordinal);
        result[DpoMetricNames.ActiveDensity] = frame.Density;
        result[DpoMetricNames.IouMaskKeep] = 1 - used.Sparsity;
        if (frame.Confined)
        {
            result[DpoMetricNames.IouConfined] = 1;
            // Random masks of these sizes drawn inside the active set: the fair baseline for two scores that are zero outside it.
            double n = Math.Max(frame.ActiveElements, 1);
            result[DpoMetricNames.IouMomentumVsMagnitude + DpoMetricNames.ChanceSuffix] = IouCounts.ChanceIou(
                Math.Min(masks[ScoreMethod.Momentum].CountKept() / n, 1), Math.Min(masks[ScoreMethod.Magnitude].CountKept() / n, 1));
            var scores = frame.Active.Keys.Select(name => (Name: name, Score: fisher(name))).Where(p => p.Score is not null).ToList();
            try
            {
                if (scores.Count > 0)
                    result[DpoMetricNames.ActiveFisherCoverage] = ActiveSetStatistics.Coverage(scores.Select(p => (p.Score!, frame.Active[p.Name])));
            }
            finally
            {
                foreach (var (_, t) in scores) t?.Dispose();
            }
        }
        if (_reference is not null)
        {
            var covered = _reference.Names.Where(frame.Active.ContainsKey).ToList();
            if (covered.Count > 0)
                result[DpoMetricNames.ActiveReferenceCoverage] = ActiveSetStatistics.Coverage(covered.Select(n => (_reference[n], frame.Active[n])));
            foreach (var (method, metric) in new[]
                     {
                         (ScoreMethod.Magnitude, DpoMetricNames.IouMagnitudeVsReference),
                         (ScoreMethod.Momentum, DpoMetricNames.IouMomentumVsReference),
                         (ScoreMethod.Fisher, DpoMetricNames.IouFisherVsReference),
                     })
            {
                var comparison = CompareWithReference(masks[method]);
                if (comparison is null) continue;
                result[metric] = comparison.Aggregate.Iou;
                result[metric + DpoMetricNames.ChanceSuffix] = comparison.Aggregate.Chance;
            }
        }
        return result;
    }

    private IouComparison? CompareWithReference(MaskSet mine)
    {
        using var subset = new MaskSet();
        using var reference = new MaskSet();
        foreach (var name in _reference!.Names.Where(n => mine.Contains(n) && mine[n].shape.SequenceEqual(_reference[n].shape)))
        {
            subset.Add(name, mine[name].cpu().clone());
            reference.Add(name, _reference[name].cpu().clone());
        }
        return subset.Count == 0 ? null : MaskIou.Compare(subset, reference);
    }

    public void Dispose() => _reference?.Dispose();
}
