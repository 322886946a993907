namespace DeltaTui.Validation;

/// <summary>What a check found; <see cref="EnvironmentValidation"/> adds the name and the time.</summary>
public sealed record CheckOutcome(bool Passed, string Detail)
{
    public static CheckOutcome Pass(string detail) => new(true, detail);

    public static CheckOutcome Fail(string detail) => new(false, detail);
}
