using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Named boolean masks in a fixed order (the order of the scores they were built from, or of the
/// file they were read from). Owns its tensors.
/// </summary>
public sealed class MaskSet : IDisposable
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, Tensor> _masks = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _names;

    public int Count => _names.Count;

    public Tensor this[string name] => _masks[name];

    public bool Contains(string name) => _masks.ContainsKey(name);

    /// <summary>Takes ownership of <paramref name="mask"/>, which must be a bool tensor.</summary>
    public void Add(string name, Tensor mask)
    {
        if (mask.dtype != ScalarType.Bool)
            throw new ArgumentException($"Mask '{name}' must be bool, not {mask.dtype}.", nameof(mask));
        if (!_masks.TryAdd(name, mask)) throw new ArgumentException($"Mask '{name}' is already in the set.", nameof(name));
        _names.Add(name);
    }

    public long TotalElements => _names.Sum(n => _masks[n].numel());

    /// <summary>Number of kept (true) entries over all tensors; one host sync.</summary>
    public long CountKept()
    {
        if (_names.Count == 0) return 0;
        // libtorch's bool reductions are slow on the CPU; counting zero bytes is vectorised.
        if (_names.All(n => _masks[n].device_type == DeviceType.CPU && _masks[n].is_contiguous()))
            return _names.Sum(n => _masks[n].numel() - _masks[n].bytes.Count((byte)0));
        using var scope = NewDisposeScope();
        return stack(_names.Select(n => _masks[n].count_nonzero()).ToArray()).sum().cpu().item<long>();
    }

    public void Dispose()
    {
        foreach (var mask in _masks.Values) mask.Dispose();
        _masks.Clear();
        _names.Clear();
    }
}
