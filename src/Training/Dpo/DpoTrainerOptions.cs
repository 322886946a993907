using DeltaTui.Training.Models;
namespace DeltaTui.Training.Dpo;

/// <summary>What the training loop needs, already resolved from the config.</summary>
public sealed record DpoTrainerOptions
{
    public required string RunName { get; init; }

    /// <summary>runs/&lt;name&gt;: metrics, delta log, checkpoints.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>Where the final model goes in Hugging Face layout; null skips it.</summary>
    public string? FinalModelDirectory { get; init; }

    public required int TotalSteps { get; init; }

    public int GradAccumulation { get; init; } = 1;

    public DpoLossOptions Loss { get; init; } = new();

    /// <summary>Learning rate of optimizer step k (0-based).</summary>
    public required Func<int, double> LearningRate { get; init; }

    /// <summary>Global gradient-norm clipping threshold; 0 measures the norm without clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Steps between evaluations; 0 evaluates only at the end.</summary>
    public int EvalEvery { get; init; }

    public int LogEvery { get; init; } = 1;

    public int MaxConsecutiveNonFinite { get; init; } = 10;

    /// <summary>Steps between weight-delta measurements; 0 turns them off.</summary>
    public int DeltaInterval { get; init; } = 10;

    public double DeltaTolerance { get; init; } = 1e-5;

    /// <summary>Steps between live mask rebuilds and IoU; 0 only at the end.</summary>
    public int MaskInterval { get; init; } = 50;

    /// <summary>Steps between checkpoints; 0 only at the end and on stop.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Steps between scores-stepN.safetensors files; 0 only at the end.</summary>
    public int ScoreSaveInterval { get; init; }

    public bool DebugJaccard { get; init; }

    public string Device { get; init; } = "cpu";

    public string OptimizerName { get; init; } = "adamw";

    /// <summary>Time every phase of every step (waiting for the device at each phase boundary) and write profile.json at the end.</summary>
    public bool Profile { get; init; }

    /// <summary>Run the training reference's forward on a worker thread beside the policy's (see <see cref="ReferenceOverlap"/>).</summary>
    public bool OverlapReference { get; init; }

    public void Validate()
    {
        if (TotalSteps < 1) throw new ArgumentException($"training.steps must be ≥ 1, got {TotalSteps}");
        if (GradAccumulation < 1) throw new ArgumentException($"training.grad_accumulation must be ≥ 1, got {GradAccumulation}");
        if (MaxConsecutiveNonFinite < 1) throw new ArgumentException($"training.max_consecutive_nonfinite must be ≥ 1, got {MaxConsecutiveNonFinite}");
        if (LogEvery < 1) throw new ArgumentException($"training.log_every must be ≥ 1, got {LogEvery}");
        Loss.Validate();
    }
}
