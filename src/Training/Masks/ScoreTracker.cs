using DeltaTui.Training.Optim;
using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// The three score accumulators, kept on the parameters' device in fp32 and updated with in-place
/// tensor ops only (no host synchronisation): Magnitude measures from θ0 (a <see cref="Masks.Theta0"/>,
/// usually shared with the weight-delta statistics so it is held once), Momentum keeps the latest
/// bias-corrected AdamW ratio given to it (its buffer exists only once one has been given), and
/// Fisher the running mean of squared minibatch gradients.
/// </summary>
public sealed class ScoreTracker : IDisposable
{
    private const string FisherStepsKey = "fisher_steps";
    private const string Theta0Prefix = "theta0.";
    private const string FisherPrefix = "fisher.";
    private const string MomentumPrefix = "momentum.";

    private readonly List<string> _names = [];
    private readonly Dictionary<string, Tensor> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _fisher = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _momentum = new(StringComparer.Ordinal);
    private readonly List<(string Name, Tensor Accumulator)> _fisherByName = [];
    private readonly IGradientPasses? _onePass;
    private readonly bool _ownsTheta0;

    /// <param name="parameters">Named parameters (e.g. the model's named_parameters()); not owned.</param>
    /// <param name="theta0">The run's θ0, holding at least the participating tensors (not owned); null snapshots them now into one this tracker owns.</param>
    /// <param name="onePass">Folds every gradient into Fisher in one pass where it can (the native optimizer); null: per tensor.</param>
    public ScoreTracker(IEnumerable<NamedTensor> parameters, ScoreParticipation? participation = null, Theta0? theta0 = null,
        IGradientPasses? onePass = null)
    {
        _onePass = onePass;
        participation ??= ScoreParticipation.Default;
        var scored = parameters.Where(p => participation.Includes(p.Name, p.Tensor.shape)).ToList();
        if (theta0 is null)
        {
            theta0 = new Theta0(scored);
            _ownsTheta0 = true;
        }
        else
        {
            theta0.RequireCovers(scored, "scores");
        }
        Theta0 = theta0;
        foreach (var (name, parameter) in scored)
        {
            _names.Add(name);
            _parameters[name] = parameter;
            _fisher[name] = zeros(parameter.shape, ScalarType.Float32, parameter.device);
            // Fisher buffers are never replaced (a resume copies into them), so this list stays valid.
            _fisherByName.Add((name, _fisher[name]));
        }
    }

    public IReadOnlyList<string> Names => _names;

    /// <summary>The origin of the Magnitude score.</summary>
    public Theta0 Theta0 { get; }

    /// <summary>How many gradients the Fisher mean covers.</summary>
    public long FisherSteps { get; private set; }

    /// <summary>
    /// Folds each participating parameter's current .grad into the Fisher mean; a missing grad counts as zero. In
    /// one pass where the tracker has one and it can (every gradient present), else two tensor ops per parameter.
    /// </summary>
    public void AccumulateGradients()
    {
        if (_onePass is not null && _fisherByName.Count > 0)
        {
            var (keep, weight) = RunningMeanWeights(FisherSteps + 1);
            if (_onePass.TryAccumulateGradientSquares(_fisherByName, keep, weight))
            {
                FisherSteps++;
                return;
            }
        }
        var gradients = new Dictionary<string, Tensor?>(StringComparer.Ordinal);
        foreach (var name in _names) gradients[name] = _parameters[name].grad;
        AccumulateGradients(gradients);
    }

    /// <summary>Folds one minibatch gradient per tensor into the running mean of g².</summary>
    public void AccumulateGradients(IReadOnlyDictionary<string, Tensor?> gradients)
    {
        FisherSteps++;
        var (keepValue, weightValue) = RunningMeanWeights(FisherSteps);
        // Held for the whole loop: see Scalars for why a number must not be left to an implicit conversion.
        using var keep = keepValue.ToScalar();
        using var weight = weightValue.ToScalar();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var name in _names)
        {
            var fisher = _fisher[name].mul_(keep);
            if (gradients.TryGetValue(name, out var g) && g is not null)
            {
                // g is read in its own dtype: addcmul_ computes in the fp32 of the accumulator, where the
                // product of two bf16 values is exact, so an fp32 copy of g would add a pass and nothing else.
                using var detached = g.detach();
                fisher.addcmul_(detached, detached, weight);
            }
        }
    }

    // The n-th gradient joins a mean of n − 1: mean_n = (n − 1)/n · mean_{n−1} + 1/n · g².
    private static (double Keep, double Weight) RunningMeanWeights(long n) => ((n - 1) / (double)n, 1.0 / n);

    /// <summary>Momentum score |m̂| / (√v̂ + ε) from one tensor's AdamW state after <paramref name="step"/> steps.</summary>
    public void UpdateMomentum(string name, Tensor expAvg, Tensor expAvgSq, long step, double beta1, double beta2, double eps)
    {
        if (!_parameters.TryGetValue(name, out var parameter)) throw new ArgumentException($"'{name}' is not a scored tensor.", nameof(name));
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), "AdamW state exists only after step 1.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var correction1 = 1 - Math.Pow(beta1, step);
        var correction2 = 1 - Math.Pow(beta2, step);
        using var c1 = correction1.ToScalar();
        using var c2 = correction2.ToScalar();
        var mHat = expAvg.to(ScalarType.Float32).div(c1).abs_();
        var vHat = expAvgSq.to(ScalarType.Float32).div(c2).sqrt_().PlusInPlace(Scalars.Of(eps));
        MomentumBuffer(name, parameter).copy_(mHat.div_(vHat));
    }

    /// <summary>Score tensors of one method (fp32, parameter shapes, parameters' device); the caller disposes them.</summary>
    public IReadOnlyList<NamedTensor> Scores(ScoreMethod method)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var scores = _names.Select(name => new NamedTensor(name, (method switch
        {
            ScoreMethod.Magnitude => _parameters[name].detach().to(ScalarType.Float32).sub(Theta0.Float32(name)).abs_(),
            ScoreMethod.Momentum => _momentum.TryGetValue(name, out var m) ? m.clone() : zeros(_parameters[name].shape, ScalarType.Float32, _parameters[name].device),
            ScoreMethod.Fisher => _fisher[name].clone(),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        }).MoveToOuterDisposeScope())).ToList();
        return scores;
    }

    /// <summary>A copy of one tensor's Fisher mean (the caller disposes it); null when it is not scored or no gradient has been folded in yet.</summary>
    public Tensor? Fisher(string name)
    {
        if (FisherSteps == 0 || !_fisher.TryGetValue(name, out var fisher)) return null;
        using var noGrad = no_grad();
        return fisher.clone();
    }

    /// <summary>
    /// Everything needed to resume, as copies: the Fisher step count, the Fisher mean per tensor and the
    /// momentum score of the tensors that have one. θ0 is not part of it: the run saves it once (theta0.bin).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> ExportState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [FisherStepsKey] = tensor(FisherSteps),
        };
        foreach (var name in _names)
        {
            state[FisherPrefix + name] = _fisher[name].clone();
            if (_momentum.TryGetValue(name, out var momentum)) state[MomentumPrefix + name] = momentum.clone();
        }
        return state;
    }

    /// <summary>
    /// Restores <see cref="ExportState"/>; a missing key or a wrong shape is an error naming it, and nothing changes.
    /// State written before θ0 moved out of it still carries theta0.* entries: their shapes are checked (they tell a
    /// checkpoint of another model), their values are not used, since θ0 comes from the run's own theta0.bin.
    /// </summary>
    public void ImportState(IReadOnlyDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue(FisherStepsKey, out var steps) || steps.numel() != 1)
            throw new InvalidDataException($"score state lacks '{FisherStepsKey}'.");
        foreach (var name in _names)
        {
            var shape = _parameters[name].shape;
            foreach (var prefix in new[] { Theta0Prefix, FisherPrefix, MomentumPrefix })
            {
                var key = prefix + name;
                if (!state.TryGetValue(key, out var value))
                {
                    if (prefix == FisherPrefix) throw new InvalidDataException($"score state lacks '{key}'.");
                    continue;
                }
                if (!value.shape.SequenceEqual(shape))
                    throw new InvalidDataException($"score state '{key}' is [{string.Join(", ", value.shape)}], the model's tensor is [{string.Join(", ", shape)}].");
            }
        }
        using var noGrad = no_grad();
        foreach (var name in _names)
        {
            _fisher[name].copy_(state[FisherPrefix + name]);
            if (state.TryGetValue(MomentumPrefix + name, out var momentum)) MomentumBuffer(name, _parameters[name]).copy_(momentum);
            else if (_momentum.Remove(name, out var stale)) stale.Dispose();
        }
        FisherSteps = steps.to(ScalarType.Int64).cpu().item<long>();
    }

    private Tensor MomentumBuffer(string name, Tensor parameter)
    {
        if (!_momentum.TryGetValue(name, out var buffer))
        {
            // Allocated inside callers' dispose scopes, but it lives as long as the tracker.
            buffer = zeros(parameter.shape, ScalarType.Float32, parameter.device).DetachFromDisposeScope();
            _momentum[name] = buffer;
        }
        return buffer;
    }

    public void Dispose()
    {
        foreach (var t in _fisher.Values.Concat(_momentum.Values)) t.Dispose();
        _fisher.Clear();
        _fisherByName.Clear();
        _momentum.Clear();
        if (_ownsTheta0) Theta0.Dispose();
    }
}
