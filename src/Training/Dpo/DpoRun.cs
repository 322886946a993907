using DeltaTui.Training.Models;
using DeltaTui.Training.Masks;
using DeltaTui.Training.Optim;

namespace DeltaTui.Training.Dpo;

/// <summary>A built run: the trainer and everything it borrows, disposed together.</summary>
public sealed class DpoRun(DpoTrainer trainer, ICausalLanguageModel policy, IReferenceModel reference, IReferenceModel evalReference,
    IOptimizerStep optimizer, IMaskWorkbench masks, Theta0 theta0, string runDirectory) : IDisposable
{
    public DpoTrainer Trainer { get; } = trainer;

    public string RunDirectory { get; } = runDirectory;

    public IMaskWorkbench Masks { get; } = masks;

    public IOptimizerStep Optimizer { get; } = optimizer;

    /// <summary>The fingerprint of the training and eval data (tokenized pairs, tokenizer, options), for the model card.</summary>
    public string? DataFingerprint { get; init; }

    public void Dispose()
    {
        Trainer.Dispose();
        Masks.Dispose();
        theta0.Dispose();
        Optimizer.Dispose();
        if (!ReferenceEquals(evalReference, reference)) evalReference.Dispose();
        reference.Dispose();
        policy.Dispose();
    }
}
