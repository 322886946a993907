namespace DeltaTui.Validation;

/// <summary>Every check of one validation, in the order they ran.</summary>
/// <param name="Device">Where the work ran (cpu, cuda, cuda:N).</param>
/// <param name="Checks">One result per check.</param>
/// <param name="ElapsedSeconds">Wall time of the whole validation.</param>
public sealed record ValidationReport(string Device, IReadOnlyList<ValidationResult> Checks, double ElapsedSeconds)
{
    public bool Passed => Checks.All(c => c.Passed);
}
