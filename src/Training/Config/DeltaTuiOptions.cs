namespace DeltaTui.Training.Config;

/// <summary>
/// Everything a run is configured by. JSON sections and keys are the snake_case names of these
/// properties (<c>{"optimizer": {"type": "bsr-adamw", "lr": 5e-6}}</c>); load with <see cref="ConfigLoader"/>.
/// </summary>
public sealed record DeltaTuiOptions
{
    /// <summary>Run name, output folder, seed, device.</summary>
    public RunOptions Run { get; init; } = new();

    /// <summary>Model snapshot and memory layout.</summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>Tokenizer.</summary>
    public TokenizerOptions Tokenizer { get; init; } = new();

    /// <summary>Preference data and its split.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>Length of training and evaluation cadence.</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>DPO loss and reference.</summary>
    public DpoOptions Dpo { get; init; } = new();

    /// <summary>Optimizer and schedule.</summary>
    public OptimizerOptions Optimizer { get; init; } = new();

    /// <summary>Mask building and saving.</summary>
    public MaskOptions Masks { get; init; } = new();

    /// <summary>Weight-delta statistics.</summary>
    public DeltaOptions Delta { get; init; } = new();

    /// <summary>Score tensor files.</summary>
    public ScoreOptions Scores { get; init; } = new();

    /// <summary>Costly diagnostics.</summary>
    public DebugOptions Debug { get; init; } = new();

    /// <summary>GPU and host telemetry.</summary>
    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary>Checkpoint cadence.</summary>
    public CheckpointOptions Checkpoint { get; init; } = new();
}
