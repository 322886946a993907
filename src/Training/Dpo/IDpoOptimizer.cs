using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// An optimizer step over gradients that are already clipped, with the moments exposed per
/// parameter. Superseded for the trainer by the Optim layer's <see cref="Optim.IOptimizerStep"/>
/// (which <see cref="DpoTrainer"/> drives); kept because BsrAdamWDpoOptimizer and its tests build on it.
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
