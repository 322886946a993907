namespace DeltaTui.Training.Masks;

/// <summary>
/// Set sizes of two masks over the same <see cref="Elements"/> positions and the ratios derived from
/// them. Conventions, chosen so nothing ever divides by zero: two empty masks are identical (IoU 1);
/// an empty mask is wholly contained in any other (its one-sided overlap is 1); the chance IoU of
/// two empty random masks is 1 for the same reason.
/// </summary>
public readonly record struct IouCounts(long Elements, long SizeA, long SizeB, long Intersection)
{
    public long Union => SizeA + SizeB - Intersection;

    /// <summary>|A∩B| / |A∪B|; 1 when both are empty.</summary>
    public double Iou => Union == 0 ? 1.0 : (double)Intersection / Union;

    /// <summary>|A∩B| / |A|: how much of A is also in B; 1 when A is empty.</summary>
    public double OverlapOfA => SizeA == 0 ? 1.0 : (double)Intersection / SizeA;

    /// <summary>|A∩B| / |B|; 1 when B is empty.</summary>
    public double OverlapOfB => SizeB == 0 ? 1.0 : (double)Intersection / SizeB;

    /// <summary>Expected IoU of independent random masks with these densities: ab / (a + b − ab).</summary>
    public double Chance => Elements == 0 ? 1.0 : ChanceIou((double)SizeA / Elements, (double)SizeB / Elements);

    public static double ChanceIou(double densityA, double densityB)
    {
        var union = densityA + densityB - densityA * densityB;
        return union <= 0 ? 1.0 : densityA * densityB / union;
    }

    public static IouCounts operator +(IouCounts x, IouCounts y) =>
        new(x.Elements + y.Elements, x.SizeA + y.SizeA, x.SizeB + y.SizeB, x.Intersection + y.Intersection);
}
