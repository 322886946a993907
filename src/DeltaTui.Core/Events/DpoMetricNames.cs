namespace DeltaTui.Core.Events;

/// <summary>Metric keys as TRL logs them, so plots and habits carry over.</summary>
public static class DpoMetricNames
{
    public const string Loss = "loss";
    public const string RewardsChosen = "rewards/chosen";
    public const string RewardsRejected = "rewards/rejected";
    public const string RewardsMargins = "rewards/margins";
    public const string RewardsAccuracies = "rewards/accuracies";
    public const string LogpsChosen = "logps/chosen";
    public const string LogpsRejected = "logps/rejected";
    public const string GradNorm = "grad_norm";
    public const string LearningRate = "learning_rate";
    public const string TokensPerSecond = "tokens_per_second";
    public const string EvalPrefix = "eval/";

    /// <summary>The per-pair statistics, in the order <see cref="DpoBatchStatistics"/> stacks them.</summary>
    public static readonly IReadOnlyList<string> PairAveraged =
        [Loss, RewardsChosen, RewardsRejected, RewardsMargins, RewardsAccuracies, LogpsChosen, LogpsRejected];
}
