using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// The weights at step 0, held once on the parameters' device for everything that measures against
/// them (weight deltas, the Magnitude score) and written once (theta0.bin). Each tensor keeps its
/// parameter's dtype: a copy is exact, so bf16 weights get a bf16 θ0, half the memory of fp32.
/// Readers upcast one tensor at a time (<see cref="Float32"/>), so a difference θ − θ0 is taken in
/// fp32 and tiny updates are not rounded away.
/// </summary>
public sealed class Theta0 : IDisposable
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    /// <param name="parameters">Named parameters at step 0; copied, not owned.</param>
    public Theta0(IEnumerable<NamedTensor> parameters)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            if (_tensors.ContainsKey(name)) throw new ArgumentException($"θ0: parameter '{name}' is given twice", nameof(parameters));
            _names.Add(name);
            _tensors[name] = parameter.detach().clone();
        }
    }

    /// <summary>Tensor names in the order they were given (and are saved in).</summary>
    public IReadOnlyList<string> Names => _names;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Device memory held, in bytes.</summary>
    public long Bytes => _tensors.Values.Sum(t => t.numel() * t.element_size());

    /// <summary>θ0 of one tensor as stored (the parameter's dtype); owned by this object, never to be disposed or changed.</summary>
    public Tensor Stored(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"θ0 has no tensor '{name}'");

    /// <summary>θ0 of one tensor in fp32, a tensor the caller disposes (for fp32 weights it shares the stored storage: read it, do not change it).</summary>
    public Tensor Float32(string name) => Stored(name).to(ScalarType.Float32);

    /// <summary>
    /// Throws unless θ0 holds every one of <paramref name="parameters"/> with its shape, so a tracker built on a
    /// shared θ0 fails at construction rather than at its first measurement.
    /// </summary>
    public void RequireCovers(IEnumerable<NamedTensor> parameters, string user)
    {
        foreach (var (name, parameter) in parameters)
        {
            if (!_tensors.TryGetValue(name, out var stored))
                throw new ArgumentException($"{user}: θ0 has no tensor '{name}'");
            if (!stored.shape.SequenceEqual(parameter.shape))
                throw new ArgumentException($"{user}: θ0 of '{name}' is [{string.Join(", ", stored.shape)}], the parameter [{string.Join(", ", parameter.shape)}]");
        }
    }

    /// <summary>Writes θ0 (count, then name and tensor per entry) so a resumed run measures against the same origin.</summary>
    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(_names.Count);
        foreach (var name in _names)
        {
            writer.Write(name);
            using var cpu = _tensors[name].cpu();
            cpu.Save(writer);
        }
    }

    /// <summary>
    /// Replaces θ0 with a saved one; count, names and shapes must match, or nothing changes. A file in another
    /// float type (older runs wrote fp32) is converted, which is exact when it holds the same weights.
    /// </summary>
    public void Load(Stream stream, string source)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var count = reader.ReadInt32();
        if (count != _names.Count) throw new InvalidDataException($"{source}: θ0 holds {count} tensors, the model has {_names.Count}");
        var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                if (!_tensors.TryGetValue(name, out var current)) throw new InvalidDataException($"{source}: θ0 tensor '{name}' is not a parameter of the model");
                var tensor = Tensor.Load(reader);
                if (!loaded.TryAdd(name, tensor))
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"{source}: θ0 tensor '{name}' appears twice");
                }
                if (!tensor.shape.SequenceEqual(current.shape))
                    throw new InvalidDataException($"{source}: θ0 tensor '{name}' has shape [{string.Join(",", tensor.shape)}], the model [{string.Join(",", current.shape)}]");
            }
            using var noGrad = no_grad();
            foreach (var (name, tensor) in loaded) _tensors[name].copy_(tensor);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}
