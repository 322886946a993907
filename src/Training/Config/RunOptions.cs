using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Where a run writes, how it is seeded, and what it runs on.</summary>
public sealed record RunOptions
{
    /// <summary>Run name: the folder under <see cref="OutputRoot"/> and under masks/. Null derives one from the config file name and the start time.</summary>
    public string? Name { get; init; }

    /// <summary>Folder that holds one sub-folder per run (resolved config, metrics.jsonl, logs, checkpoints).</summary>
    public string OutputRoot { get; init; } = "runs";

    /// <summary>Seed for model initialisation, data shuffling and dropout-free sampling; the same seed on CPU gives the same run.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Device to train on: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// Floating-point type of the activations. They are always computed in the weights' type, <see cref="ModelOptions.DType"/>
    /// (there is no mixed-precision autocast; log-probs and the loss are fp32 either way), so leave this unset or give it the
    /// same value as model.dtype: any other value is rejected rather than silently ignored.
    /// </summary>
    [JsonPropertyName("dtype")]
    public TensorDType? DType { get; init; }

    /// <summary>True runs without the dashboard, printing a progress line instead (also chosen automatically when there is no terminal).</summary>
    public bool Headless { get; init; }
}
