using System.Globalization;

namespace DeltaTui.Training.Config;

/// <summary>Inclusive (or, when asked, exclusive) numeric bounds for a config field, checked when a config is loaded.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigRangeAttribute(double minimum, double maximum) : Attribute
{
    public double Minimum { get; } = minimum;
    public double Maximum { get; } = maximum;
    public bool MinimumIsExclusive { get; init; }
    public bool MaximumIsExclusive { get; init; }

    public bool Contains(double value) =>
        (MinimumIsExclusive ? value > Minimum : value >= Minimum)
        && (MaximumIsExclusive ? value < Maximum : value <= Maximum);

    public string Describe()
    {
        string lower = double.IsNegativeInfinity(Minimum) ? "" : $"{(MinimumIsExclusive ? ">" : ">=")} {Format(Minimum)}";
        string upper = double.IsPositiveInfinity(Maximum) ? "" : $"{(MaximumIsExclusive ? "<" : "<=")} {Format(Maximum)}";
        return lower.Length > 0 && upper.Length > 0 ? $"{lower} and {upper}" : lower + upper;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
