using DeltaTui.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Memory;

/// <summary>
/// Gives the gradients of all trainable parameters one home: a contiguous buffer per (dtype, device),
/// each parameter's <c>.grad</c> a view into it. Autograd accumulates into an existing gradient in
/// place, so the views stay where they are; zeroing, the global norm, clipping and score
/// accumulation then cost a few kernels for the whole model instead of a few per tensor, which is
/// what bounds a step when hundreds of small tensors are launched one by one.
/// </summary>
public sealed class FlatGradients : IDisposable
{
    // Upcasting a whole bf16 buffer to fp32 for the norm would cost a model-sized temporary; this bounds it.
    private const long NormChunkElements = 1L << 24;

    private readonly List<Segment> _segments = [];
    private readonly List<Tensor> _buffers = [];

    public FlatGradients(IEnumerable<(string Name, Parameter Parameter)> parameters)
    {
        var list = parameters.ToList();
        foreach (var group in list.GroupBy(p => (p.Parameter.dtype, p.Parameter.device.ToString())))
        {
            var members = group.ToList();
            var total = members.Sum(p => p.Parameter.numel());
            var first = members[0].Parameter;
            var buffer = zeros(total, dtype: first.dtype, device: first.device);
            _buffers.Add(buffer);
            long offset = 0;
            foreach (var (name, parameter) in members)
            {
                var count = parameter.numel();
                var view = buffer.narrow(0, offset, count).view(parameter.shape);
                using (no_grad())
                {
                    // Whatever the parameter had accumulated so far is kept.
                    using var old = parameter.grad;
                    if (old is not null) view.copy_(old);
                }
                parameter.grad = view;
                _segments.Add(new Segment(name, parameter, view, _buffers.Count - 1, offset, count));
                offset += count;
            }
        }
    }

    /// <summary>The flat buffers, one per (dtype, device) group.</summary>
    public IReadOnlyList<Tensor> Buffers => _buffers;

    /// <summary>The gradient view of a parameter (owned by this object; do not dispose).</summary>
    public Tensor Gradient(string name) => _segments.First(s => s.Name == name).View;

    public long ElementCount => _segments.Sum(s => s.Count);

    /// <summary>
    /// True when every parameter's <c>.grad</c> is still the view this object handed out. Something
    /// that assigns a new gradient tensor (a set-to-none zero_grad, a load) breaks the link; callers
    /// check this where such a thing could have happened and rebuild.
    /// </summary>
    public unsafe bool IsIntact()
    {
        foreach (var segment in _segments)
        {
            using var grad = segment.Parameter.grad;
            if (grad is null || TensorMemory.DataPointer(grad) != TensorMemory.DataPointer(segment.View)) return false;
        }
        return true;
    }

    public void Zero()
    {
        using var noGrad = no_grad();
        foreach (var buffer in _buffers) buffer.zero_();
    }

    /// <summary>
    /// The global L2 norm of all gradients as a 0-dim fp32 tensor on the first buffer's device, with no
    /// host sync; NaN or ∞ anywhere makes it non-finite.
    /// </summary>
    public Tensor Norm()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        var device = _buffers.Count > 0 ? _buffers[0].device : CPU;
        foreach (var buffer in _buffers)
        {
            var length = buffer.numel();
            for (long start = 0; start < length; start += NormChunkElements)
            {
                var part = buffer.narrow(0, start, Math.Min(NormChunkElements, length - start)).to(ScalarType.Float32).square().sum().to(device);
                sum = sum is null ? part : sum.add_(part);
            }
        }
        return (sum ?? zeros([], ScalarType.Float32, device)).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>Multiplies every gradient by a 0-dim tensor (a clip coefficient), without a host sync.</summary>
    public void Scale(Tensor coefficient)
    {
        using var noGrad = no_grad();
        foreach (var buffer in _buffers)
        {
            using var local = coefficient.to(buffer.device).to(buffer.dtype);
            buffer.mul_(local);
        }
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            // Leaves the parameters without a gradient rather than pointing at freed memory.
            if (!segment.Parameter.IsInvalid) segment.Parameter.grad = null;
            segment.View.Dispose();
        }
        foreach (var buffer in _buffers) buffer.Dispose();
        _segments.Clear();
        _buffers.Clear();
    }

    private sealed record Segment(string Name, Parameter Parameter, Tensor View, int Buffer, long Offset, long Count);
}
