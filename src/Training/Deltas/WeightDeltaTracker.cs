using DeltaTui.Training.Dpo;
using System.Text;
using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Training.Masks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Deltas;

/// <summary>
/// Measures, per tensor, how far training has moved from θ0: ‖Δ‖₂, ‖Δ‖/‖θ0‖, max|Δ| and the fraction
/// of entries with |Δ| &gt; tol. θ0 lives in a <see cref="Masks.Theta0"/> shared with the Magnitude score
/// (in the weights' own dtype); each tensor is upcast to fp32 before the difference is taken, since in
/// bf16 most tiny updates would round away and update sparsity would be an artifact of the dtype. All
/// tensors are reduced on the device into one [N,4] tensor, so a measurement costs a single host transfer.
/// </summary>
public sealed class WeightDeltaTracker : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly bool _ownsTheta0;

    /// <param name="theta0">The shared θ0 (not owned); null snapshots the parameters now into one this tracker owns.</param>
    public WeightDeltaTracker(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double tolerance, Theta0? theta0 = null)
    {
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "delta.tol must be ≥ 0");
        var named = parameters.Select(p => new NamedTensor(p.Name, p.Parameter)).ToList();
        if (theta0 is null)
        {
            theta0 = new Theta0(named);
            _ownsTheta0 = true;
        }
        else
        {
            theta0.RequireCovers(named, "weight deltas");
        }
        _parameters = parameters;
        Tolerance = tolerance;
        Origin = theta0;
    }

    public double Tolerance { get; }

    /// <summary>The weights at step 0 the deltas are measured from.</summary>
    public Theta0 Origin { get; }

    public DeltaStatsComputed Measure(int step)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(_parameters.Count);
        foreach (var (name, parameter) in _parameters)
        {
            var theta0 = Origin.Float32(name);
            var delta = parameter.detach().to(ScalarType.Float32) - theta0;
            var abs = delta.abs();
            rows.Add(stack([
                delta.square().sum().sqrt(),
                abs.max(),
                (abs > Tolerance).to(ScalarType.Float32).mean(),
                theta0.square().sum().sqrt(),
                IsOnePlusScale(name, parameter) ? (theta0 + 1).square().sum().sqrt() : zeros([], ScalarType.Float32, theta0.device),
            ]));
        }
        float[] values = rows.Count == 0 ? [] : stack(rows).cpu().data<float>().ToArray();
        const int k = 5;
        var tensors = new TensorDelta[_parameters.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var norm = (double)values[k * i];
            var theta0Norm = (double)values[k * i + 3];
            var relative = theta0Norm > 0 ? norm / theta0Norm : (norm > 0 ? double.PositiveInfinity : 0.0);
            double? scale = IsOnePlusScale(_parameters[i].Name, _parameters[i].Parameter) && values[k * i + 4] > 0 ? norm / values[k * i + 4] : null;
            tensors[i] = new TensorDelta(_parameters[i].Name, _parameters[i].Parameter.numel(), norm, relative, values[k * i + 1], values[k * i + 2], scale);
        }
        return new DeltaStatsComputed(step, tensors);
    }

    /// <summary>Gemma applies its RMSNorm weights as (1 + w): the 1-D weights of the norm layers.</summary>
    public static bool IsOnePlusScale(string name, Tensor parameter) =>
        parameter.ndim == 1 && name.EndsWith("norm.weight", StringComparison.Ordinal);

    public void Dispose()
    {
        if (_ownsTheta0) Origin.Dispose();
    }
}
