namespace DeltaTui.Cli;

/// <summary>One line of the doctor's verdict.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Whether it is in order.</param>
/// <param name="Required">Whether a run needs it; only required checks decide the exit code.</param>
/// <param name="Detail">What was found, or what is wrong and what to do.</param>
public sealed record DoctorCheck(string Name, bool Passed, bool Required, string Detail);
