using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// The three score accumulators, kept on the parameters' device in fp32 and updated with in-place
/// tensor ops only (no host synchronisation): θ0 for Magnitude, the latest bias-corrected AdamW
/// ratio for Momentum, and the running mean of squared minibatch gradients for Fisher.
/// </summary>
public sealed class ScoreTracker : IDisposable
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, Tensor> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _theta0 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _fisher = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _momentum = new(StringComparer.Ordinal);

    /// <param name="parameters">Named parameters (e.g. the model's named_parameters()); not owned.</param>
    public ScoreTracker(IEnumerable<NamedTensor> parameters, ScoreParticipation? participation = null)
    {
        participation ??= ScoreParticipation.Default;
        foreach (var (name, parameter) in parameters)
        {
            if (!participation.Includes(name, parameter.shape)) continue;
            _names.Add(name);
            _parameters[name] = parameter;
            using (no_grad())
            {
                _theta0[name] = parameter.detach().to(ScalarType.Float32).clone();
            }
            _fisher[name] = zeros(parameter.shape, ScalarType.Float32, parameter.device);
            _momentum[name] = zeros(parameter.shape, ScalarType.Float32, parameter.device);
        }
    }

    public IReadOnlyList<string> Names => _names;

    /// <summary>How many gradients the Fisher mean covers.</summary>
    public long FisherSteps { get; private set; }

    /// <summary>Folds each participating parameter's current .grad into the Fisher mean; a missing grad counts as zero.</summary>
    public void AccumulateGradients()
    {
        var gradients = new Dictionary<string, Tensor?>(StringComparer.Ordinal);
        foreach (var name in _names) gradients[name] = _parameters[name].grad;
        AccumulateGradients(gradients);
    }

    /// <summary>Folds one minibatch gradient per tensor into the running mean of g².</summary>
    public void AccumulateGradients(IReadOnlyDictionary<string, Tensor?> gradients)
    {
        FisherSteps++;
        var keep = (FisherSteps - 1) / (double)FisherSteps;
        var weight = 1.0 / FisherSteps;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var name in _names)
        {
            var fisher = _fisher[name].mul_(keep);
            if (gradients.TryGetValue(name, out var g) && g is not null)
            {
                var g32 = g.detach().to(ScalarType.Float32);
                fisher.addcmul_(g32, g32, weight);
            }
        }
    }

    /// <summary>Momentum score |m̂| / (√v̂ + ε) from one tensor's AdamW state after <paramref name="step"/> steps.</summary>
    public void UpdateMomentum(string name, Tensor expAvg, Tensor expAvgSq, long step, double beta1, double beta2, double eps)
    {
        if (!_momentum.TryGetValue(name, out var target)) throw new ArgumentException($"'{name}' is not a scored tensor.", nameof(name));
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), "AdamW state exists only after step 1.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var correction1 = 1 - Math.Pow(beta1, step);
        var correction2 = 1 - Math.Pow(beta2, step);
        var mHat = expAvg.to(ScalarType.Float32).div(correction1).abs_();
        var vHat = expAvgSq.to(ScalarType.Float32).div(correction2).sqrt_().add_(eps);
        target.copy_(mHat.div_(vHat));
    }

    /// <summary>Score tensors of one method (fp32, parameter shapes, parameters' device); the caller disposes them.</summary>
    public IReadOnlyList<NamedTensor> Scores(ScoreMethod method)
    {
        using var noGrad = no_grad();
        return _names.Select(name => new NamedTensor(name, method switch
        {
            ScoreMethod.Magnitude => _parameters[name].detach().to(ScalarType.Float32).sub(_theta0[name]).abs_(),
            ScoreMethod.Momentum => _momentum[name].clone(),
            ScoreMethod.Fisher => _fisher[name].clone(),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        })).ToList();
    }

    /// <summary>A copy of one tensor's Fisher mean (the caller disposes it); null when it is not scored or no gradient has been folded in yet.</summary>
    public Tensor? Fisher(string name)
    {
        if (FisherSteps == 0 || !_fisher.TryGetValue(name, out var fisher)) return null;
        using var noGrad = no_grad();
        return fisher.clone();
    }

    /// <summary>Everything needed to resume: θ0, Fisher mean and momentum per tensor, and the Fisher step count. Tensors are copies.</summary>
    public IReadOnlyDictionary<string, Tensor> ExportState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["fisher_steps"] = tensor(FisherSteps),
        };
        foreach (var name in _names)
        {
            state[$"theta0.{name}"] = _theta0[name].clone();
            state[$"fisher.{name}"] = _fisher[name].clone();
            state[$"momentum.{name}"] = _momentum[name].clone();
        }
        return state;
    }

    /// <summary>Restores <see cref="ExportState"/>; a missing key or a wrong shape is an error naming it, and nothing changes.</summary>
    public void ImportState(IReadOnlyDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("fisher_steps", out var steps) || steps.numel() != 1)
            throw new InvalidDataException("score state lacks 'fisher_steps'.");
        foreach (var name in _names)
        {
            foreach (var key in new[] { $"theta0.{name}", $"fisher.{name}", $"momentum.{name}" })
            {
                if (!state.TryGetValue(key, out var value))
                    throw new InvalidDataException($"score state lacks '{key}'.");
                if (!value.shape.SequenceEqual(_theta0[name].shape))
                    throw new InvalidDataException($"score state '{key}' is [{string.Join(", ", value.shape)}], the model's tensor is [{string.Join(", ", _theta0[name].shape)}].");
            }
        }
        using var noGrad = no_grad();
        foreach (var name in _names)
        {
            _theta0[name].copy_(state[$"theta0.{name}"]);
            _fisher[name].copy_(state[$"fisher.{name}"]);
            _momentum[name].copy_(state[$"momentum.{name}"]);
        }
        FisherSteps = steps.to(ScalarType.Int64).cpu().item<long>();
    }

    public void Dispose()
    {
        foreach (var t in _theta0.Values.Concat(_fisher.Values).Concat(_momentum.Values)) t.Dispose();
        _theta0.Clear();
        _fisher.Clear();
        _momentum.Clear();
    }
}
