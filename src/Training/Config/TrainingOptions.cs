using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>How long to train and how often to evaluate and log.</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps to run; 0 derives the count from <see cref="Epochs"/>.</summary>
    [ConfigRange(0, int.MaxValue)]
    public int Steps { get; init; } = 1000;

    /// <summary>Passes over the training pairs; used only when <see cref="Steps"/> is 0.</summary>
    [ConfigRange(0, 10_000)]
    public double Epochs { get; init; }

    /// <summary>Preference pairs per micro-batch (each pair is a chosen and a rejected sequence).</summary>
    [ConfigRange(1, 65_536)]
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches whose gradients are summed before one optimizer step.</summary>
    [ConfigRange(1, 65_536)]
    public int GradAccumulation { get; init; } = 1;

    /// <summary>Steps between evaluations on the held-out split; 0 evaluates only at the end.</summary>
    [ConfigRange(0, int.MaxValue)]
    public int EvalEvery { get; init; } = 100;

    /// <summary>
    /// Held-out prompts (the first ones of the eval split) the policy completes greedily at step 0 and at every evaluation,
    /// the reference once at step 0; written to samples.jsonl, TensorBoard text and the dashboard's Samples pane. 0 turns samples off.
    /// </summary>
    [ConfigRange(0, 64)]
    public int EvalSamples { get; init; } = 4;

    /// <summary>The most new tokens of each sample completion (training.eval_samples); it stops earlier at an end-of-turn or EOS id.</summary>
    [ConfigRange(1, 4096)]
    public int SampleMaxNewTokens { get; init; } = 48;

    /// <summary>Steps between published metric events.</summary>
    [ConfigRange(1, int.MaxValue)]
    public int LogEvery { get; init; } = 1;

    /// <summary>Consecutive steps with a non-finite loss or gradient (each skipped) after which the run stops and saves its last good state.</summary>
    [JsonPropertyName("max_consecutive_nonfinite")]
    [ConfigRange(1, int.MaxValue)]
    public int MaxConsecutiveNonFinite { get; init; } = 10;

    /// <summary>
    /// Time each phase of every step (data, forward of policy and reference, loss, backward, gradient norm, mask scores,
    /// optimizer, publishing, after-step work), publish it as a StepProfiled event and write the per-phase medians to
    /// profile.json in the run folder at the end. On a GPU every phase boundary waits for the device, which itself
    /// slows training a little; off, nothing is timed and nothing waits.
    /// </summary>
    public bool Profile { get; init; }
}
