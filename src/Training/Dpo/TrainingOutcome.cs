namespace DeltaTui.Training.Dpo;

public enum TrainingEnd { Completed, Stopped, Diverged }

/// <summary>How a run ended and what it left on disk.</summary>
public sealed record TrainingOutcome(TrainingEnd End, int Step, string? Checkpoint, IReadOnlyList<string> SavedFiles, string Message)
{
    public int ExitCode => End == TrainingEnd.Diverged ? 3 : 0;
}
