namespace DeltaTui.Training.Masks;

/// <summary>Two mask sets cannot be compared: their tensor names or shapes differ.</summary>
public sealed class MaskMismatchException(string message) : Exception(message)
{
    public static void ThrowIfIncompatible(MaskSet a, MaskSet b, string nameA = "A", string nameB = "B")
    {
        var problems = new List<string>();
        var onlyA = a.Names.Where(n => !b.Contains(n)).ToList();
        var onlyB = b.Names.Where(n => !a.Contains(n)).ToList();
        if (onlyA.Count > 0) problems.Add($"only in {nameA}: {string.Join(", ", onlyA)}");
        if (onlyB.Count > 0) problems.Add($"only in {nameB}: {string.Join(", ", onlyB)}");
        foreach (var name in a.Names.Where(b.Contains))
        {
            var (sa, sb) = (a[name].shape, b[name].shape);
            if (!sa.SequenceEqual(sb))
                problems.Add($"'{name}' is [{string.Join(", ", sa)}] in {nameA} but [{string.Join(", ", sb)}] in {nameB}");
        }
        if (problems.Count > 0) throw new MaskMismatchException($"Masks are not comparable: {string.Join("; ", problems)}.");
    }
}
