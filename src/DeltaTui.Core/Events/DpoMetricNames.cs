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

    public const string EvalLoss = EvalPrefix + Loss;
    public const string EvalRewardsMargins = EvalPrefix + RewardsMargins;
    public const string EvalRewardsAccuracies = EvalPrefix + RewardsAccuracies;

    // Live mask IoU (docs/iou.md says what each number means). Each has a twin with ChanceSuffix: the IoU that
    // independent random masks of the same sizes would have over the same positions.
    public const string IouPrefix = "iou/";
    public const string ChanceSuffix = "/chance";
    public const string IouMomentumVsMagnitude = "iou/momentum_vs_magnitude";
    public const string IouFisherVsMagnitude = "iou/fisher_vs_magnitude";
    public const string IouMagnitudeVsPrevious = "iou/magnitude_vs_prev";
    public const string IouMomentumVsPrevious = "iou/momentum_vs_prev";
    public const string IouFisherVsPrevious = "iou/fisher_vs_prev";
    /// <summary>This run's masks against the optimizer.active_from mask (its tensors only).</summary>
    public const string IouMagnitudeVsReference = "iou/magnitude_vs_reference";
    public const string IouMomentumVsReference = "iou/momentum_vs_reference";
    public const string IouFisherVsReference = "iou/fisher_vs_reference";
    /// <summary>1 when the optimizer trains only active blocks, so Magnitude and Momentum can be non-zero only there.</summary>
    public const string IouConfined = "iou/confined";
    /// <summary>The kept fraction of the masks the live IoU compared (below the configured one when raised for a sparse run).</summary>
    public const string IouMaskKeep = "iou/mask_keep";

    // The active set of a block-sparse run.
    /// <summary>Share of the scored weights' elements the optimizer may change (active blocks plus densely trained tensors).</summary>
    public const string ActiveDensity = "active/density";
    /// <summary>Share of the Fisher mass (running mean of g², all blocks of the blocked weights) inside the active blocks.</summary>
    public const string ActiveFisherCoverage = "active/coverage_fisher";
    /// <summary>Share of the optimizer.active_from mask's elements (blocked weights) inside the active blocks.</summary>
    public const string ActiveReferenceCoverage = "active/coverage_reference";

    /// <summary>The per-pair statistics, in the order <see cref="DpoBatchStatistics"/> stacks them.</summary>
    public static readonly IReadOnlyList<string> PairAveraged =
        [Loss, RewardsChosen, RewardsRejected, RewardsMargins, RewardsAccuracies, LogpsChosen, LogpsRejected];
}
