using DeltaTui.Training.Optim;
using DeltaTui.Training.Dpo;
using DeltaTui.Training.Config;
using DeltaTui.Core.Events;
using DeltaTui.Training.Masks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Binds the masks layer to a run: the score tracker accumulates Fisher after each backward,
/// Magnitude comes from |θ − θ0|, Momentum from the optimizer's moments at the time a mask is
/// built; masks are rebuilt for the live IoU and saved as .pt under masks/&lt;run&gt;/.
/// </summary>
public sealed class MaskWorkbench : IMaskWorkbench
{
    private readonly ScoreTracker _scores;
    private readonly LiveIouTracker _iou = new();
    private readonly Func<string, Tensor> _momentumScore;
    private readonly MaskOptions _options;
    private readonly string _maskDirectory;
    private readonly string _modelId;

    /// <param name="momentumScore">|m̂|/(√v̂+ε) of a parameter by name, from the optimizer's state (zeros before its first step).</param>
    /// <param name="theta0">The run's θ0, shared with the weight-delta statistics (not owned); null keeps a private one.</param>
    /// <param name="gradientSquares">The optimizer's one-pass gradient work (its squares pass updates Fisher), where it has one; null folds per tensor.</param>
    public MaskWorkbench(IEnumerable<(string Name, Parameter Parameter)> parameters, ScoreParticipation participation, MaskOptions options,
        Func<string, Tensor> momentumScore, string maskDirectory, string modelId, Theta0? theta0 = null, IGradientPasses? gradientSquares = null)
    {
        options.Validate();
        var list = parameters.ToList();
        parameters = list;
        _scores = new ScoreTracker(parameters.Select(p => new NamedTensor(p.Name, p.Parameter)), participation, theta0, gradientSquares);
        _options = options;
        _momentumScore = momentumScore;
        _maskDirectory = maskDirectory;
        _modelId = modelId;
        var names = _scores.Names.ToHashSet(StringComparer.Ordinal);
        _scored = list.Where(p => names.Contains(p.Name)).Select(p => (p.Name, p.Parameter.numel())).ToList();
    }

    private readonly IReadOnlyList<(string Name, long Elements)> _scored;

    /// <summary>Set for a block-sparse run: the live IoU is then confined to the active set and reports coverage (owned).</summary>
    public SparseRunIou? Sparse { get; set; }

    public double Sparsity => _options.Sparsity;

    /// <summary>The origin of the Magnitude score (the run's shared θ0 when one was given).</summary>
    public Theta0 Theta0 => _scores.Theta0;

    public void AccumulateGradients() => _scores.AccumulateGradients();

    public void AfterOptimizerStep() { }

    /// <summary>The running mean of g² of a weight, a copy the caller disposes; null when it has none.</summary>
    public Tensor? FisherScore(string name) => _scores.Fisher(name);

    public IouSnapshot Compare(int step, bool detailed)
    {
        var (frame, options) = Sparse is null ? (null, _options) : Sparse.Prepare(_scored, _options);
        using (frame)
        {
            var masks = BuildAll(options);
            try
            {
                var result = _iou.Update(step, masks[ScoreMethod.Magnitude], masks[ScoreMethod.Momentum], masks[ScoreMethod.Fisher], detailed);
                if (result.Failure is { } failure) throw new InvalidOperationException(failure.Message);
                var snapshot = result.Snapshot!;
                return Sparse is null ? snapshot : snapshot with { Metrics = Sparse.Augment(snapshot.Metrics, frame!, options, masks, _scores.Fisher) };
            }
            finally
            {
                foreach (var set in masks.Values) set.Dispose();
            }
        }
    }

    public IReadOnlyList<(string Method, string Path)> SaveMasks(int step)
    {
        var masks = BuildAll();
        try
        {
            var saved = new List<(string, string)>();
            foreach (var (method, set) in masks)
            {
                var path = Path.Combine(_maskDirectory, $"{method.ToName()}-step{step}.pt");
                MaskFile.Save(path, set, MaskMetadata.From(method, _options, step, _modelId));
                saved.Add((method.ToName(), path));
            }
            return saved;
        }
        finally
        {
            foreach (var set in masks.Values) set.Dispose();
        }
    }

    public string SaveScores(int step, string directory)
    {
        var path = Path.Combine(directory, ScoresFile.FileName(step));
        var scores = ScoreMethodNames.All.ToDictionary(m => m, Scores);
        try
        {
            ScoresFile.Save(path, step, _modelId, scores);
        }
        finally
        {
            foreach (var list in scores.Values) foreach (var (_, t) in list) t.Dispose();
        }
        return path;
    }

    private IReadOnlyList<NamedTensor> Scores(ScoreMethod method) =>
        method == ScoreMethod.Momentum
            ? _scores.Names.Select(name => new NamedTensor(name, _momentumScore(name))).ToList()
            : _scores.Scores(method);

    private Dictionary<ScoreMethod, MaskSet> BuildAll(MaskOptions? options = null)
    {
        options ??= _options;
        var result = new Dictionary<ScoreMethod, MaskSet>();
        foreach (var method in ScoreMethodNames.All)
        {
            var scores = Scores(method);
            try { result[method] = MaskBuilder.Build(scores, options); }
            finally { foreach (var (_, t) in scores) t.Dispose(); }
        }
        return result;
    }

    public void SaveState(Stream stream)
    {
        var state = _scores.ExportState();
        try
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(state.Count);
            foreach (var (name, tensor) in state)
            {
                writer.Write(name);
                TorchSharp.TensorExtensionMethods.Save(tensor.cpu(), writer);
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    public void LoadState(Stream stream, string source)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var count = reader.ReadInt32();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                state[name] = Tensor.Load(reader);
            }
            _scores.ImportState(state);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    public void Dispose()
    {
        _scores.Dispose();
        _iou.Dispose();
        Sparse?.Dispose();
    }
}
