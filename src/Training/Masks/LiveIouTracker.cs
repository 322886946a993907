using DeltaTui.Core.Events;
using TorchSharp;

namespace DeltaTui.Training.Masks;

/// <summary>
/// The live Jaccard view at each mask interval: Momentum and Fisher against Magnitude, and each
/// method against its own mask of the previous interval. Masks on the CPU are compared bit-packed
/// (and kept packed as the previous interval); masks on a GPU are compared with tensor ops there.
/// Never throws: a failure comes back as <see cref="IouFailed"/> and training goes on.
/// </summary>
public sealed class LiveIouTracker : IDisposable
{
    private readonly Dictionary<ScoreMethod, PackedMaskSet> _previousPacked = [];
    private readonly Dictionary<ScoreMethod, MaskSet> _previousOnDevice = [];
    private readonly bool _tensorOpsOnCpu;

    /// <param name="tensorOpsOnCpu">Use the device (tensor-op) path even for CPU masks; for checking one path against the other.</param>
    public LiveIouTracker(bool tensorOpsOnCpu = false) => _tensorOpsOnCpu = tensorOpsOnCpu;

    public static string MetricName(ScoreMethod a, ScoreMethod b) => $"iou/{a.ToName()}_vs_{b.ToName()}";

    public static string StabilityMetricName(ScoreMethod method) => $"iou/{method.ToName()}_vs_prev";

    /// <param name="detailed">Debug mode: fill the per-tensor rows of the snapshot.</param>
    public LiveIouResult Update(int step, MaskSet magnitude, MaskSet momentum, MaskSet fisher, bool detailed)
    {
        try
        {
            var current = new Dictionary<ScoreMethod, MaskSet>
            {
                [ScoreMethod.Magnitude] = magnitude,
                [ScoreMethod.Momentum] = momentum,
                [ScoreMethod.Fisher] = fisher,
            };
            var onCpu = current.Values.All(set => set.Names.All(n => set[n].device_type == DeviceType.CPU));
            var comparisons = onCpu && !_tensorOpsOnCpu ? CompareOnCpu(current) : CompareOnDevice(current);

            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            var rows = new List<TensorIou>();
            foreach (var (metric, comparison) in comparisons)
            {
                metrics[metric] = comparison.Aggregate.Iou;
                metrics[$"{metric}/chance"] = comparison.Aggregate.Chance;
                if (detailed) rows.AddRange(comparison.ToRows(metric["iou/".Length..]));
            }
            return new LiveIouResult(new IouSnapshot(step, metrics, rows), null);
        }
        catch (Exception e)
        {
            return new LiveIouResult(null, new IouFailed(step, $"IoU at step {step} failed: {e.Message}"));
        }
    }

    private List<(string Metric, IouComparison Comparison)> CompareOnCpu(Dictionary<ScoreMethod, MaskSet> current)
    {
        var packed = current.ToDictionary(p => p.Key, p => PackedMaskSet.From(p.Value));
        var result = new List<(string, IouComparison)>
        {
            (MetricName(ScoreMethod.Momentum, ScoreMethod.Magnitude), MaskIou.Compare(packed[ScoreMethod.Momentum], packed[ScoreMethod.Magnitude])),
            (MetricName(ScoreMethod.Fisher, ScoreMethod.Magnitude), MaskIou.Compare(packed[ScoreMethod.Fisher], packed[ScoreMethod.Magnitude])),
        };
        foreach (var method in ScoreMethodNames.All)
            if (_previousPacked.TryGetValue(method, out var previous))
                result.Add((StabilityMetricName(method), MaskIou.Compare(packed[method], previous)));
        foreach (var (method, set) in packed) _previousPacked[method] = set;
        DisposePreviousOnDevice();
        return result;
    }

    // One pass over all six sets (three current, three previous) on the device.
    private List<(string Metric, IouComparison Comparison)> CompareOnDevice(Dictionary<ScoreMethod, MaskSet> current)
    {
        var sets = new List<MaskSet> { current[ScoreMethod.Magnitude], current[ScoreMethod.Momentum], current[ScoreMethod.Fisher] };
        var pairs = new List<(int, int)> { (1, 0), (2, 0) };
        var metrics = new List<string>
        {
            MetricName(ScoreMethod.Momentum, ScoreMethod.Magnitude),
            MetricName(ScoreMethod.Fisher, ScoreMethod.Magnitude),
        };
        for (var m = 0; m < ScoreMethodNames.All.Count; m++)
        {
            if (!_previousOnDevice.TryGetValue(ScoreMethodNames.All[m], out var previous)) continue;
            pairs.Add((m, sets.Count));
            sets.Add(previous);
            metrics.Add(StabilityMetricName(ScoreMethodNames.All[m]));
        }
        var comparisons = MaskIou.CompareManyOnDevice(sets, pairs);
        DisposePreviousOnDevice();
        foreach (var (method, set) in current)
        {
            var copy = new MaskSet();
            foreach (var name in set.Names) copy.Add(name, set[name].clone());
            _previousOnDevice[method] = copy;
        }
        _previousPacked.Clear();
        return metrics.Zip(comparisons).ToList();
    }

    private void DisposePreviousOnDevice()
    {
        foreach (var set in _previousOnDevice.Values) set.Dispose();
        _previousOnDevice.Clear();
    }

    public void Dispose() => DisposePreviousOnDevice();
}
