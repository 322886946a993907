using DeltaTui.Training.Config;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Linear warm-up to the peak, then cosine decay to <see cref="MinLearningRate"/> at
/// <see cref="TotalSteps"/>, or constant. Follows Hugging Face's schedulers (which TRL uses):
/// optimizer step k (0-based) uses peak × k / warmup during warm-up.
/// </summary>
public sealed record LearningRateScheduler(double PeakLearningRate, long WarmupSteps, long TotalSteps, LearningRateSchedule Decay,
    double MinLearningRate = 0)
{
    /// <summary>The schedule a configuration describes, for a run of <paramref name="totalSteps"/> optimizer steps.</summary>
    public static LearningRateScheduler From(OptimizerOptions options, long totalSteps) =>
        new(options.Lr, options.WarmupSteps, totalSteps, options.Schedule);

    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"step must be >= 0, got {step}");
        if (step < WarmupSteps) return PeakLearningRate * step / Math.Max(1, WarmupSteps);
        if (Decay == LearningRateSchedule.Constant) return PeakLearningRate;
        var span = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / span);
        return MinLearningRate + (PeakLearningRate - MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    public void Validate()
    {
        if (!(PeakLearningRate > 0)) throw new ArgumentException($"learning rate must be positive, got {PeakLearningRate}");
        if (WarmupSteps < 0) throw new ArgumentException($"warm-up steps must be >= 0, got {WarmupSteps}");
        if (TotalSteps <= 0) throw new ArgumentException($"total steps must be positive, got {TotalSteps}");
        if (!(MinLearningRate >= 0 && MinLearningRate <= PeakLearningRate))
            throw new ArgumentException($"minimum learning rate must be in [0, {PeakLearningRate}], got {MinLearningRate}");
    }
}
