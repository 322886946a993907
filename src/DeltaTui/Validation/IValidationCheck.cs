namespace DeltaTui.Validation;

/// <summary>One end-to-end check of <c>doctor --validate</c>. An exception counts as a failure with its message.</summary>
public interface IValidationCheck
{
    string Name { get; }

    CheckOutcome Run(CancellationToken cancellationToken);
}
