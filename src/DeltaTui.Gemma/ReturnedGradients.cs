using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Gradients one model's custom autograd functions hand back to libtorch. backward runs on libtorch's
/// autograd thread, where no dispose scope of ours is open, so the managed handles returned there
/// would only be freed by the garbage collector, which does not see GPU memory: the tied
/// embedding's gradient (hundreds of MB per log-prob chunk) piled up step after step.
/// libtorch copies the returned tensors as soon as a callback returns, so the next callback of the same
/// model on the same thread frees what the previous one returned (<see cref="BeginCallback"/>): a pass
/// holds one callback's gradients, not every chunk's, and libtorch can take a gradient buffer over instead
/// of copying it. What the last callbacks returned is freed by <see cref="Release"/> once backward() has
/// returned. Each <see cref="Gemma3ForCausalLM"/> owns one (<see cref="Gemma3ForCausalLM.ReturnedGradients"/>),
/// so releasing after one model's backward pass never touches the gradients of another model's pass running
/// beside it; one model instance runs one backward pass at a time.
/// </summary>
public sealed class ReturnedGradients
{
    private readonly Lock _lock = new();
    private readonly List<Tensor> _pending = [];
    // Per thread: what the previous callback on that thread returned (libtorch has taken it over by the next one).
    private readonly Dictionary<int, List<Tensor>> _lastCallback = [];

    /// <summary>
    /// At the start of each custom backward: frees what earlier callbacks of this model on this thread returned (libtorch
    /// holds its own references by now) and hands back <paramref name="incoming"/>, the gradient the callback was given, for
    /// the callback to dispose when it is done (<c>using var g = returned.BeginCallback(gradOutput)</c>). TorchSharp wraps the
    /// incoming gradient in a new handle that nothing else frees: left to the garbage collector, every call's incoming
    /// gradient (an RMSNorm's is [rows, hidden]) would outlive the pass.
    /// </summary>
    internal Tensor BeginCallback(Tensor incoming)
    {
        lock (_lock)
        {
            if (_lastCallback.TryGetValue(Environment.CurrentManagedThreadId, out var earlier) && earlier.Count > 0)
            {
                foreach (var gradient in earlier) gradient.Dispose();
                earlier.Clear();
            }
        }
        return incoming;
    }

    internal Tensor Track(Tensor gradient)
    {
        lock (_lock)
        {
            _pending.Add(gradient);
            var thread = Environment.CurrentManagedThreadId;
            if (!_lastCallback.TryGetValue(thread, out var returned)) _lastCallback[thread] = returned = [];
            returned.Add(gradient);
        }
        return gradient;
    }

    /// <summary>Returned gradients not yet freed (for tests).</summary>
    internal int AliveCount()
    {
        lock (_lock) return _pending.Count(g => !g.IsInvalid);
    }

    /// <summary>Call after <c>backward()</c> has returned.</summary>
    public void Release()
    {
        lock (_lock)
        {
            foreach (var gradient in _pending) gradient.Dispose();
            _pending.Clear();
            _lastCallback.Clear();
        }
    }
}
