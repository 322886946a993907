namespace DeltaTui.Training.Masks;

/// <summary>A <see cref="MaskSet"/> in bit-packed form (names, shapes and packed bits; no tensors).</summary>
public sealed class PackedMaskSet
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, (PackedMask Mask, long[] Shape)> _masks = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _names;

    public PackedMask this[string name] => _masks[name].Mask;

    public long[] ShapeOf(string name) => _masks[name].Shape;

    public static PackedMaskSet From(MaskSet masks)
    {
        var packed = new PackedMaskSet();
        foreach (var name in masks.Names)
        {
            packed._names.Add(name);
            packed._masks[name] = (PackedMask.FromTensor(masks[name]), masks[name].shape);
        }
        return packed;
    }

    public static void ThrowIfIncompatible(PackedMaskSet a, PackedMaskSet b)
    {
        var problems = new List<string>();
        var onlyA = a.Names.Where(n => !b._masks.ContainsKey(n)).ToList();
        var onlyB = b.Names.Where(n => !a._masks.ContainsKey(n)).ToList();
        if (onlyA.Count > 0) problems.Add($"only in A: {string.Join(", ", onlyA)}");
        if (onlyB.Count > 0) problems.Add($"only in B: {string.Join(", ", onlyB)}");
        foreach (var name in a.Names.Where(b._masks.ContainsKey))
            if (!a.ShapeOf(name).SequenceEqual(b.ShapeOf(name)))
                problems.Add($"'{name}' is [{string.Join(", ", a.ShapeOf(name))}] in A but [{string.Join(", ", b.ShapeOf(name))}] in B");
        if (problems.Count > 0) throw new MaskMismatchException($"Masks are not comparable: {string.Join("; ", problems)}.");
    }
}
