using DeltaTui.Torch.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// The one-pass gradient work of a native BSR-AdamW plan (libdeltatui_native knows every gradient's address):
/// zeroing (dtn_plan_zero_grads), squares folded into accumulators (dtn_plan_accumulate_squares, the Fisher score)
/// and the norms (dtn_plan_grad_norm, dtn_plan_global_grad_norm). It owns the pointer tables the plan reads, which
/// the optimizer's step fills through <see cref="RefreshPointers"/> too. The plan is borrowed, not owned.
/// </summary>
public sealed unsafe class NativeGradientPasses : IGradientPasses
{
    private readonly BsrAdamWPlanHandle plan;
    private readonly IntPtr[] checkedGrads;
    private readonly IntPtr[] paramPtrs;
    private readonly IntPtr[] gradPtrs;
    private readonly Dictionary<string, int> indexByName;
    private readonly IntPtr[] accumulatorPtrs;
    private readonly Tensor?[] checkedAccumulators;

    internal NativeGradientPasses(BsrAdamWPlanHandle plan, IReadOnlyList<BsrParameter> parameters)
    {
        this.plan = plan;
        Parameters = parameters;
        checkedGrads = new IntPtr[parameters.Count];
        paramPtrs = new IntPtr[parameters.Count];
        gradPtrs = new IntPtr[parameters.Count];
        indexByName = parameters.Select((p, i) => (p.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        accumulatorPtrs = new IntPtr[parameters.Count];
        checkedAccumulators = new Tensor?[parameters.Count];
    }

    public IReadOnlyList<BsrParameter> Parameters { get; }

    /// <summary>The parameters' addresses, as of the last <see cref="RefreshPointers"/>.</summary>
    internal IntPtr[] ParamPointers => paramPtrs;

    /// <summary>The gradients' addresses, as of the last <see cref="RefreshPointers"/>.</summary>
    internal IntPtr[] GradPointers => gradPtrs;

    /// <summary>
    /// √Σg² over the gradients the plan covers (every gradient when every block is active) as a float32 scalar
    /// on the plan's device, in one pass and without waiting for the device: a few kernels instead of one norm
    /// per tensor. NaN and Inf propagate.
    /// </summary>
    public Tensor GradNorm() => Norm(everyElement: false);

    /// <summary>
    /// As <see cref="GradNorm"/>, over every element of every gradient, frozen blocks included: the norm a
    /// training loop reports and checks for NaN while only some blocks train.
    /// </summary>
    public Tensor GlobalGradNorm() => Norm(everyElement: true);

    private Tensor Norm(bool everyElement)
    {
        var device = Parameters.Count > 0 ? Parameters[0].Tensor.device : CPU;
        var norm = empty(Array.Empty<long>(), ScalarType.Float32, device);
        try
        {
            RefreshPointers();
            fixed (IntPtr* pp = paramPtrs, gp = gradPtrs)
            {
                var result = everyElement
                    ? NativeMethods.dtn_plan_global_grad_norm(plan, (void**)pp, (void**)gp, (float*)TensorMemory.DataPointer(norm))
                    : NativeMethods.dtn_plan_grad_norm(plan, (void**)pp, (void**)gp, (float*)TensorMemory.DataPointer(norm));
                NativeMethods.Check(result, "gradient norm");
            }
            return norm;
        }
        catch
        {
            norm.Dispose();
            throw;
        }
        finally
        {
            GC.KeepAlive(Parameters);
        }
    }

    /// <summary>
    /// Zeroes every gradient in one pass (one launch on CUDA); false, changing nothing, while a parameter has none or
    /// one the plan cannot read (the caller's zero_ handles those).
    /// </summary>
    public bool TryZeroGradients()
    {
        try
        {
            if (!RefreshPointers(allowMissing: true)) return false;
            fixed (IntPtr* pp = paramPtrs, gp = gradPtrs)
            {
                NativeMethods.Check(NativeMethods.dtn_plan_zero_grads(plan, (void**)pp, (void**)gp), "zeroing the gradients");
            }
            return true;
        }
        finally
        {
            GC.KeepAlive(Parameters);
        }
    }

    /// <summary>
    /// accumulator = keep · accumulator + weight · grad² for each named accumulator, in one pass over every gradient
    /// element (one launch on CUDA) instead of two tensor ops per parameter; false, changing nothing, when a name is
    /// not one of this plan's parameters or a parameter has no gradient the plan can read.
    /// </summary>
    public bool TryAccumulateGradientSquares(IReadOnlyList<(string Name, Tensor Accumulator)> accumulators, double keep, double weight)
    {
        try
        {
            Array.Clear(accumulatorPtrs);
            // Indexed, not foreach: this runs every step, and enumerating the interface allocates.
            for (var k = 0; k < accumulators.Count; k++)
            {
                var (name, accumulator) = accumulators[k];
                if (!indexByName.TryGetValue(name, out var i)) return false;
                if (accumulatorPtrs[i] != IntPtr.Zero) throw new ArgumentException($"'{name}' has two accumulators");
                // Checked in full the first time this tensor object comes (a run's Fisher buffers live as long as the
                // run and are only ever written in place).
                if (!ReferenceEquals(accumulator, checkedAccumulators[i]))
                {
                    CheckAccumulator(Parameters[i], accumulator);
                    checkedAccumulators[i] = accumulator;
                }
                accumulatorPtrs[i] = (IntPtr)TensorMemory.DataPointer(accumulator);
            }
            if (!RefreshPointers(allowMissing: true)) return false;
            fixed (IntPtr* pp = paramPtrs, gp = gradPtrs, ap = accumulatorPtrs)
            {
                NativeMethods.Check(NativeMethods.dtn_plan_accumulate_squares(plan, (void**)pp, (void**)gp, (float**)ap, keep, weight),
                    "accumulating squared gradients");
            }
            return true;
        }
        finally
        {
            GC.KeepAlive(Parameters);
            GC.KeepAlive(accumulators);
        }
    }

    private static void CheckAccumulator(BsrParameter p, Tensor accumulator)
    {
        var t = p.Tensor;
        if (accumulator.dtype != ScalarType.Float32) throw new ArgumentException($"the accumulator of '{p.Name}' is {accumulator.dtype}; it must be Float32");
        if (!accumulator.shape.SequenceEqual(t.shape))
            throw new ArgumentException($"the accumulator of '{p.Name}' is [{string.Join(", ", accumulator.shape)}], the parameter [{string.Join(", ", t.shape)}]");
        if (!accumulator.is_contiguous()) throw new ArgumentException($"the accumulator of '{p.Name}' is not contiguous");
        if (accumulator.device_type != t.device_type || accumulator.device_index != t.device_index)
            throw new ArgumentException($"the accumulator of '{p.Name}' is on {accumulator.device}, the parameter on {t.device}");
    }

    // Reads every parameter's and gradient's address into the reused pointer tables: a few calls
    // into libtorch per parameter and no managed allocation, since this runs every step over
    // hundreds of parameters. A missing gradient, or one the plan cannot read, is an error, or with
    // allowMissing a false (the pointer tables are then incomplete; every call refreshes them first).
    internal bool RefreshPointers(bool allowMissing = false)
    {
        for (var i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            paramPtrs[i] = (IntPtr)TensorMemory.DataPointer(p.Tensor);
            var grad = TensorMemory.GradDataPointer(p.Tensor);
            if (grad == IntPtr.Zero && allowMissing) return false;
            // The full check costs several calls into libtorch per tensor; a gradient buffer that
            // was checked at an earlier step and still sits at the same address is that buffer.
            if (grad == IntPtr.Zero || grad != checkedGrads[i])
            {
                using var g = BsrParameterChecks.RawGradOf(p);
                var problem = BsrParameterChecks.GradProblem(p, g);
                if (problem is not null)
                {
                    if (allowMissing) return false;
                    throw new InvalidOperationException(problem);
                }
                grad = (IntPtr)TensorMemory.DataPointer(g);
                checkedGrads[i] = grad;
            }
            gradPtrs[i] = grad;
        }
        return true;
    }

}
