using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace DeltaTui.Training.Model;

/// <summary>
/// Gradients our custom autograd functions hand back to libtorch. backward runs on libtorch's
/// autograd thread, where no dispose scope of ours is open, so the managed handles returned there
/// would only be freed by the garbage collector, which does not see GPU memory: the tied
/// embedding's gradient (hundreds of MB per log-prob chunk) piled up step after step. libtorch has
/// consumed them once backward() has returned; the caller then releases them here. The queue is
/// process-wide, so Release assumes one backward pass at a time in the process (the trainer's): a
/// release during another thread's backward could free gradients that pass has not consumed yet.
/// </summary>
public static class ReturnedGradients
{
    private static readonly ConcurrentQueue<Tensor> Pending = new();

    internal static Tensor Track(Tensor gradient)
    {
        Pending.Enqueue(gradient);
        return gradient;
    }

    /// <summary>Call after <c>backward()</c> has returned.</summary>
    public static void Release()
    {
        while (Pending.TryDequeue(out var gradient)) gradient.Dispose();
    }
}
