namespace DeltaTui.Training.Optim;

/// <summary>What one optimizer step did.</summary>
/// <param name="GradNorm">Global gradient L2 norm before clipping (over active blocks for BSR-AdamW); NaN when not computed.</param>
/// <param name="Finite">False when a gradient was NaN or infinite; the step was then skipped.</param>
/// <param name="Applied">The parameters were updated.</param>
/// <param name="LearningRate">The learning rate used.</param>
public sealed record OptimizerStepResult(double GradNorm, bool Finite, bool Applied, double LearningRate);
