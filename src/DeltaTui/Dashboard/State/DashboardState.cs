using System.Collections.Immutable;
using DeltaTui.Core.Events;

namespace DeltaTui.Dashboard.State;

/// <summary>What the user has toggled; changed only by <see cref="UiAction"/>s through the reducer.</summary>
public sealed record UiFlags(
    bool ShowJaccard = false,
    bool DeltaPerTensor = false,
    bool Smoothing = false,
    bool ShowHelp = false,
    bool ConfirmingStop = false,
    JaccardSort JaccardSort = JaccardSort.IouAscending,
    bool ShowSamples = false,
    int SamplesScroll = 0);

public enum JaccardSort { IouAscending, IouDescending, Name, UnionDescending }

/// <summary>
/// One held-out prompt of the Samples pane: the pair's answers from the data, the reference's completion (step 0) and the
/// policy's latest with the step it was made at.
/// </summary>
public sealed record SampleRow(int Index, string Prompt, string Chosen, string Rejected, string? Reference, string? Policy, int? PolicyStep);

/// <summary>A line of the log pane; <paramref name="Count"/> &gt; 1 when the same line came that many times in a row.</summary>
public sealed record LogLine(DateTimeOffset Time, LogLevel Level, string Text, int Count = 1)
{
    /// <summary>Lines with the same key fold into one (the newest text, with a count); null: the text is the key.</summary>
    public string? FoldKey { get; init; }
}

/// <summary>
/// Everything the dashboard draws, folded from events by <see cref="DashboardReducer"/>. Immutable:
/// views read it from the UI thread while the reducer builds the next one elsewhere.
/// </summary>
public sealed record DashboardState
{
    public const int SeriesCapacity = 512;
    public const int HistoryCapacity = 120;
    public const int LogCapacity = 200;

    public static DashboardState Initial(UiFlags? ui = null) => new() { Ui = ui ?? new UiFlags() };

    public string RunName { get; init; } = "-";
    public string ModelId { get; init; } = "-";
    public string Device { get; init; } = "-";
    public string RunDirectory { get; init; } = "";
    public string Optimizer { get; init; } = "-";
    public long ParameterCount { get; init; }
    public int Step { get; init; }
    public int TotalSteps { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>Time of the newest event: "now" for elapsed and ETA, so drawing is a pure function of state.</summary>
    public DateTimeOffset? Now { get; init; }
    /// <summary>When the run finished or failed: elapsed stops there, though telemetry goes on arriving.</summary>
    public DateTimeOffset? EndedAt { get; init; }
    public double? TokensPerSecond { get; init; }
    public double? LearningRate { get; init; }
    public RunState RunState { get; init; } = RunState.Starting;
    public string? StateDetail { get; init; }
    public int SkippedSteps { get; init; }
    public long EventCount { get; init; }

    public Bounded<SeriesPoint> Loss { get; init; } = new(SeriesCapacity);
    public Bounded<SeriesPoint> Margins { get; init; } = new(SeriesCapacity);
    public Bounded<SeriesPoint> Accuracies { get; init; } = new(SeriesCapacity);
    public Bounded<SeriesPoint> EvalLoss { get; init; } = new(SeriesCapacity);
    public Bounded<SeriesPoint> EvalMargins { get; init; } = new(SeriesCapacity);
    public Bounded<SeriesPoint> EvalAccuracies { get; init; } = new(SeriesCapacity);
    public ImmutableDictionary<string, double> LastMetrics { get; init; } = ImmutableDictionary<string, double>.Empty;
    public ImmutableDictionary<string, double> LastEvalMetrics { get; init; } = ImmutableDictionary<string, double>.Empty;

    public GpuSnapshot? Gpu { get; init; }
    public ImmutableDictionary<int, Bounded<double>> GpuUtilizationHistory { get; init; } = ImmutableDictionary<int, Bounded<double>>.Empty;
    public ImmutableDictionary<int, Bounded<double>> GpuMemoryHistory { get; init; } = ImmutableDictionary<int, Bounded<double>>.Empty;
    public HostSnapshot? Host { get; init; }
    public ImmutableDictionary<int, string> BreakerStates { get; init; } = ImmutableDictionary<int, string>.Empty;

    public DeltaStatsComputed? Delta { get; init; }

    /// <summary>When the current pause began (null: not paused).</summary>
    public DateTimeOffset? PausedSince { get; init; }
    /// <summary>Time spent paused before the current pause.</summary>
    public TimeSpan PausedTotal { get; init; }

    /// <summary>The newest selection of a block-sparse optimizer's active blocks (null for dense runs).</summary>
    public ActiveSetSelected? ActiveSet { get; init; }

    public IouSnapshot? Iou { get; init; }
    public ImmutableDictionary<string, Bounded<SeriesPoint>> IouHistory { get; init; } = ImmutableDictionary<string, Bounded<SeriesPoint>>.Empty;
    public Bounded<LogLine> IouErrors { get; init; } = new(20);

    /// <summary>Per sample prompt, by index (training.eval_samples).</summary>
    public ImmutableList<SampleRow> Samples { get; init; } = ImmutableList<SampleRow>.Empty;

    public Bounded<LogLine> Log { get; init; } = new(LogCapacity);
    public ImmutableList<string> SavedFiles { get; init; } = ImmutableList<string>.Empty;

    public UiFlags Ui { get; init; } = new();

    public bool IsOver => RunState is RunState.Finished or RunState.Saved or RunState.Failed;
}
