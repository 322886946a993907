using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Gradients our custom autograd functions hand back to libtorch. backward runs on libtorch's
/// autograd thread, where no dispose scope of ours is open, so the managed handles returned there
/// would only be freed by the garbage collector, which does not see GPU memory: the tied
/// embedding's gradient (hundreds of MB per log-prob chunk) piled up step after step.
/// libtorch copies the returned tensors as soon as a callback returns, so the next callback on the
/// same thread frees what the previous one returned (<see cref="BeginCallback"/>): a pass holds one
/// callback's gradients, not every chunk's, and libtorch can take a gradient buffer over instead of
/// copying it. What the last callbacks returned is freed by <see cref="Release"/> once backward() has
/// returned. That queue is process-wide, so Release assumes one backward pass at a time in the process
/// (the trainer's): a release during another thread's backward could free gradients it has not consumed.
/// </summary>
public static class ReturnedGradients
{
    private static readonly ConcurrentQueue<Tensor> Pending = new();

    [ThreadStatic]
    private static List<Tensor>? _returnedOnThisThread;

    /// <summary>
    /// At the start of each custom backward: frees what earlier callbacks on this thread returned (libtorch holds its
    /// own references by now) and hands back <paramref name="incoming"/>, the gradient the callback was given, for the
    /// callback to dispose when it is done (<c>using var g = BeginCallback(gradOutput)</c>). TorchSharp wraps the incoming
    /// gradient in a new handle that nothing else frees: left to the garbage collector, every call's incoming gradient
    /// (an RMSNorm's is [rows, hidden]) would outlive the pass.
    /// </summary>
    internal static Tensor BeginCallback(Tensor incoming)
    {
        if (_returnedOnThisThread is { Count: > 0 } earlier)
        {
            foreach (var gradient in earlier) gradient.Dispose();
            earlier.Clear();
        }
        return incoming;
    }

    internal static Tensor Track(Tensor gradient)
    {
        Pending.Enqueue(gradient);
        (_returnedOnThisThread ??= []).Add(gradient);
        return gradient;
    }

    /// <summary>Returned gradients not yet freed (for tests).</summary>
    internal static int AliveCount() => Pending.Count(g => !g.IsInvalid);

    /// <summary>Call after <c>backward()</c> has returned.</summary>
    public static void Release()
    {
        while (Pending.TryDequeue(out var gradient)) gradient.Dispose();
    }
}
