using System.Text;
using System.Text.Json;
using DeltaTui.Training.Events;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Keeps θ0 in fp32 (in bf16 most tiny updates round away, so update sparsity would be an
/// artifact of the dtype) and measures, per tensor, how far training has moved from it:
/// ‖Δ‖₂, ‖Δ‖/‖θ0‖, max|Δ| and the fraction of entries with |Δ| &gt; tol. All tensors are reduced on
/// the device into one [N,4] tensor, so a measurement costs a single host transfer.
/// </summary>
public sealed class WeightDeltaTracker : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, Tensor> _theta0;
    private readonly double[] _theta0Norms;

    public WeightDeltaTracker(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double tolerance)
    {
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "delta.tol must be ≥ 0");
        _parameters = parameters;
        Tolerance = tolerance;
        using var noGrad = no_grad();
        _theta0 = parameters.ToDictionary(p => p.Name, p => p.Parameter.detach().to(ScalarType.Float32, copy: true), StringComparer.Ordinal);
        _theta0Norms = Norms();
    }

    public double Tolerance { get; }

    /// <summary>θ0 of a parameter in fp32 (for the Magnitude score |θ_t − θ_0|). Owned by the tracker.</summary>
    public Tensor Theta0(string name) => _theta0[name];

    public IReadOnlyDictionary<string, Tensor> AllTheta0 => _theta0;

    public DeltaStatsComputed Measure(int step)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(_parameters.Count);
        foreach (var (name, parameter) in _parameters)
        {
            var delta = parameter.detach().to(ScalarType.Float32) - _theta0[name];
            var abs = delta.abs();
            rows.Add(stack([
                delta.square().sum().sqrt(),
                abs.max(),
                (abs > Tolerance).to(ScalarType.Float32).mean(),
            ]));
        }
        var values = stack(rows).cpu().data<float>().ToArray();
        var tensors = new TensorDelta[_parameters.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var norm = (double)values[3 * i];
            var relative = _theta0Norms[i] > 0 ? norm / _theta0Norms[i] : (norm > 0 ? double.PositiveInfinity : 0.0);
            tensors[i] = new TensorDelta(_parameters[i].Name, _parameters[i].Parameter.numel(), norm, relative, values[3 * i + 1], values[3 * i + 2]);
        }
        return new DeltaStatsComputed(step, tensors);
    }

    /// <summary>One JSON line of delta_log.jsonl.</summary>
    public static string ToJsonLine(DeltaStatsComputed stats)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("step", stats.Step);
            writer.WriteString("time", stats.Time.ToUniversalTime().ToString("O"));
            writer.WriteStartArray("tensors");
            foreach (var t in stats.Tensors)
            {
                writer.WriteStartObject();
                writer.WriteString("name", t.Name);
                writer.WriteNumber("elements", t.Elements);
                WriteNumber(writer, "norm", t.Norm);
                WriteNumber(writer, "relative_norm", t.RelativeNorm);
                WriteNumber(writer, "max_abs", t.MaxAbs);
                WriteNumber(writer, "fraction_updated", t.FractionUpdated);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteString(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Writes θ0 so a resumed run measures against the same origin.</summary>
    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(_theta0.Count);
        foreach (var (name, _) in _parameters)
        {
            writer.Write(name);
            _theta0[name].cpu().Save(writer);
        }
    }

    /// <summary>Replaces θ0 with a saved one; names and shapes must match the model.</summary>
    public void Load(Stream stream, string source)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var count = reader.ReadInt32();
        if (count != _parameters.Count) throw new InvalidDataException($"{source}: θ0 holds {count} tensors, the model has {_parameters.Count}");
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (!_theta0.TryGetValue(name, out var current)) throw new InvalidDataException($"{source}: θ0 tensor '{name}' is not a parameter of the model");
            using var loaded = Tensor.Load(reader);
            if (!loaded.shape.SequenceEqual(current.shape))
                throw new InvalidDataException($"{source}: θ0 tensor '{name}' has shape [{string.Join(",", loaded.shape)}], the model [{string.Join(",", current.shape)}]");
            using var noGrad = no_grad();
            current.copy_(loaded);
        }
        Array.Copy(Norms(), _theta0Norms, _theta0Norms.Length);
    }

    private double[] Norms()
    {
        using var scope = NewDisposeScope();
        if (_parameters.Count == 0) return [];
        return stack(_parameters.Select(p => _theta0[p.Name].square().sum().sqrt()).ToArray()).cpu().data<float>().Select(v => (double)v).ToArray();
    }

    public void Dispose()
    {
        foreach (var t in _theta0.Values) t.Dispose();
    }
}
