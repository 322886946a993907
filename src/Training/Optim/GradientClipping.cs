using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>Global L2 gradient-norm clipping for the dense (TorchSharp AdamW) path, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>
    /// The global norm of all gradients (one host sync). When finite and <paramref name="maxNorm"/> &gt; 0, scales
    /// every gradient in place by min(1, maxNorm / (norm + 1e-6)). A non-finite norm leaves gradients untouched.
    /// </summary>
    /// <param name="precomputedNorm">That norm, when the caller already has it (one element); it is then only read.</param>
    public static double ClipGlobalNorm(IEnumerable<Tensor> parameters, double maxNorm, Tensor? precomputedNorm = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        double norm;
        if (precomputedNorm is not null)
        {
            if (precomputedNorm.numel() != 1)
                throw new ArgumentException($"a precomputed gradient norm must have one element, got shape [{string.Join(", ", precomputedNorm.shape)}]");
            norm = precomputedNorm.reshape(-1).to(ScalarType.Float64).item<double>();
        }
        else
        {
            var sum = zeros(1, ScalarType.Float64, grads[0].device);
            foreach (var g in grads) sum = sum.Plus(g.to(ScalarType.Float64).square().sum());
            norm = Math.Sqrt(sum.item<double>());
        }
        if (!double.IsFinite(norm) || maxNorm <= 0) return norm;
        var coefficient = Math.Min(1.0, maxNorm / (norm + 1e-6));
        if (coefficient < 1.0)
        {
            using var scale = coefficient.ToScalar();
            foreach (var g in grads) g.mul_(scale);
        }
        return norm;
    }

    /// <summary>
    /// Scales every gradient in place by min(1, maxNorm / (norm + 1e-6)) with a norm the caller already holds on the
    /// device (and has checked is finite): the coefficient stays on the device, so clipping costs no host sync.
    /// <paramref name="maxNorm"/> ≤ 0 leaves the gradients as they are.
    /// </summary>
    public static void ClipGlobalNormOnDevice(IEnumerable<Tensor> parameters, double maxNorm, Tensor norm)
    {
        if (maxNorm <= 0) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Held for the whole call: a Scalar made implicitly for one op can be collected while libtorch still reads it.
        using var bound = maxNorm.ToScalar();
        using var epsilon = 1e-6.ToScalar();
        using var one = 1.0.ToScalar();
        Tensor? coefficient = null;
        foreach (var g in parameters.Select(p => p.grad).OfType<Tensor>())
        {
            coefficient ??= norm.to(ScalarType.Float32).add(epsilon, Scalars.OfInteger(1)).reciprocal_().mul_(bound).clamp_max_(one);
            g.mul_(coefficient.to(g.device));
        }
    }
}
