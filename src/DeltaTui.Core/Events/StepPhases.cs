namespace DeltaTui.Core.Events;

/// <summary>The phases a profiled training step is split into, in the order a step runs them.</summary>
public static class StepPhases
{
    /// <summary>Per-tensor IoU computed on request (the Jaccard pane switched on) before the step; 0 otherwise.</summary>
    public const string LiveIou = "live_iou";

    /// <summary>Zeroing the gradients, drawing the micro-batches and copying them to the device.</summary>
    public const string Data = "data";

    /// <summary>The policy's forward pass and its completion log-probs.</summary>
    public const string ForwardPolicy = "forward_policy";

    /// <summary>Reference log-probs (a frozen copy's forward, or a cache lookup).</summary>
    public const string ForwardReference = "forward_reference";

    /// <summary>The DPO loss and the step's statistics, on the device.</summary>
    public const string Loss = "loss";

    public const string Backward = "backward";

    /// <summary>The global gradient norm and the read-back of norm and statistics that decides whether the step is applied.</summary>
    public const string GradNorm = "grad_norm";

    /// <summary>Folding the gradients into the Fisher score.</summary>
    public const string MaskScores = "mask_scores";

    /// <summary>Block re-selection when due, then the optimizer step (clipping included).</summary>
    public const string Optimizer = "optimizer";

    /// <summary>Building and publishing the step's metrics.</summary>
    public const string Publish = "publish";

    /// <summary>Weight deltas, live IoU, evaluation, score files and checkpoints at their intervals.</summary>
    public const string AfterStep = "after_step";

    /// <summary>Greedy completions of the held-out sample prompts at an evaluation (training.eval_samples); the rest of the evaluation stays in after_step.</summary>
    public const string Samples = "samples";

    public static readonly IReadOnlyList<string> All =
        [LiveIou, Data, ForwardPolicy, ForwardReference, Loss, Backward, GradNorm, MaskScores, Optimizer, Publish, AfterStep, Samples];
}
