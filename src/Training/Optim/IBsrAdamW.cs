using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Block-sparse AdamW: 2-D weights tiled into B x B blocks, only active blocks updated (weight
/// decay included), moments kept only for active blocks, fp32 master for bf16 weights; tensors
/// without a layout are updated densely. Gradients are read, never modified (clipping is applied
/// inside the update).
/// </summary>
public interface IBsrAdamW : IDisposable
{
    /// <summary>"reference", "native-cpu" or "native-cuda".</summary>
    string Backend { get; }

    IReadOnlyList<BsrParameter> Parameters { get; }

    /// <summary>Steps applied so far (skipped non-finite steps do not count).</summary>
    long StepCount { get; }

    BsrAdamWOptions Options { get; }

    /// <summary>
    /// One step with the gradients now in the parameters' .grad. With <paramref name="maxGradNorm"/> &gt; 0 the
    /// gradients are scaled by min(1, max / (norm + 1e-6)). A non-finite norm skips the step.
    /// </summary>
    /// <param name="precomputedGradNorm">
    /// The L2 norm of exactly the gradients this step reads (every gradient element when every block is
    /// active), as one float32 element on the parameters' device, which the caller already computed; it
    /// replaces the optimizer's own norm pass. Null: the optimizer computes the norm over active blocks.
    /// </param>
    OptimizerStepResult Step(double learningRate, double maxGradNorm = 0, bool computeNorm = true, Tensor? precomputedGradNorm = null);

    /// <summary>
    /// Zeroing, squares (Fisher) and the global norm over every gradient in one pass each, where this implementation
    /// has such passes (<see cref="NoGradientPasses"/> where it has none: the caller then goes tensor by tensor).
    /// </summary>
    IGradientPasses Gradients { get; }

    /// <summary>Every block of every blocked parameter is active (the step then reads every gradient element).</summary>
    bool AllBlocksActive { get; }

    /// <summary>Replaces a blocked parameter's active set: kept blocks keep their moments, new ones start at zero.</summary>
    void SetActiveBlocks(int index, BlockLayout layout);

    /// <summary>A copy of one parameter's state, on <paramref name="device"/> (the CPU when null).</summary>
    BsrTensorState GetTensorState(int index, Device? device = null);

    /// <summary>Optimizer memory on the parameters' device, in bytes.</summary>
    long StateBytes { get; }

    BsrAdamWState CaptureState();

    void RestoreState(BsrAdamWState state);
}
