namespace DeltaTui.Validation;

/// <summary>One line of <c>deltatui doctor --validate</c>.</summary>
/// <param name="Name">What was validated.</param>
/// <param name="Passed">Whether it met its bar.</param>
/// <param name="Detail">What was measured against what bar, or why it failed.</param>
/// <param name="ElapsedSeconds">Wall time of the check, set-up included.</param>
public sealed record ValidationResult(string Name, bool Passed, string Detail, double ElapsedSeconds);
