using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// The optimizer as the trainer drives it: gradients are already in place (and clipped), the
/// trainer chooses the learning rate of each step, and the state travels with checkpoints.
/// </summary>
public interface IDpoOptimizer : IDisposable
{
    /// <summary>"adamw" or "bsr-adamw", as in the config.</summary>
    string Name { get; }

    void Step(double learningRate);

    void ZeroGrad();

    /// <summary>AdamW's exp_avg and exp_avg_sq of a parameter (dense shape; zeros where a block is inactive) and its step count, for the Momentum score; false before the first step.</summary>
    bool TryGetMoments(Parameter parameter, out Tensor expAvg, out Tensor expAvgSq, out long step);

    void SaveState(Stream stream);

    void LoadState(Stream stream);
}
