namespace DeltaTui.Training.Config;

/// <summary>The only integer values a config field accepts (e.g. block sizes the kernels are built for).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigOneOfAttribute(params long[] values) : Attribute
{
    public IReadOnlyList<long> Values { get; } = values;
}
