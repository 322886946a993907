using DeltaTui.Training.Dpo;
using DeltaTui.Core.Events;

namespace DeltaTui.Training.Masks;

/// <summary>
/// The Magnitude / Momentum / Fisher side of a run as the trainer drives it: score accumulation
/// after each backward and optimizer step, live mask comparison, and saving masks and scores.
/// </summary>
public interface IMaskWorkbench : IDisposable
{
    /// <summary>After backward, before clipping: gradients of the finished step are in .grad (Fisher).</summary>
    void AccumulateGradients();

    /// <summary>After the optimizer step (Magnitude and Momentum read the new weights and moments).</summary>
    void AfterOptimizerStep();

    /// <summary>Rebuilds the three masks and compares them; may throw (the trainer reports it and goes on).</summary>
    IouSnapshot Compare(int step, bool detailed);

    /// <returns>(method, path) of each mask file written.</returns>
    IReadOnlyList<(string Method, string Path)> SaveMasks(int step);

    double Sparsity { get; }

    /// <returns>The scores-stepN.safetensors path.</returns>
    string SaveScores(int step, string directory);

    /// <summary>Score accumulators, so a resumed run continues them exactly.</summary>
    void SaveState(Stream stream);

    void LoadState(Stream stream, string source);
}
