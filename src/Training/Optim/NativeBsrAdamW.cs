using DeltaTui.Torch.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// BSR-AdamW on libdeltatui_native: the CPU backend for CPU tensors, the CUDA backend (one launch
/// for all tensors) for CUDA tensors. Same semantics and API as <see cref="BsrAdamWReference"/>.
/// </summary>
public sealed unsafe class NativeBsrAdamW : IBsrAdamW
{
    private readonly BsrAdamWPlanHandle plan;
    private readonly BlockLayout?[] layouts;
    private readonly NativeGradientPasses passes;

    public NativeBsrAdamW(IReadOnlyList<BsrParameter> parameters, BsrAdamWOptions options)
    {
        options.Validate();
        BsrParameterChecks.Validate(parameters);
        var status = NativeBackend.Status;
        if (!status.Available) throw new InvalidOperationException($"the native BSR-AdamW library is not available: {status.Error}");
        Options = options;
        Parameters = parameters;
        layouts = parameters.Select(p => p.Layout).ToArray();
        var (deviceType, deviceIndex) = parameters.Count > 0 ? TensorMemory.DeviceOf(parameters[0].Tensor) : (DtnConstants.DeviceCpu, 0);
        if (deviceType == DtnConstants.DeviceCuda && !status.CudaCompiled)
            throw new InvalidOperationException("the native BSR-AdamW library was built without CUDA (no nvcc at build time); rebuild src/Native on a machine with the CUDA toolkit");
        Backend = deviceType == DtnConstants.DeviceCuda ? "native-cuda" : "native-cpu";

        var descs = new DtnTensorDesc[parameters.Count];
        var pins = new List<System.Runtime.InteropServices.GCHandle>();
        try
        {
            for (var i = 0; i < parameters.Count; i++) descs[i] = Describe(parameters[i], pins);
            IntPtr raw;
            fixed (DtnTensorDesc* d = descs)
            {
                NativeMethods.Check(NativeMethods.dtn_plan_create(deviceType, deviceIndex, d, descs.Length,
                    options.StochasticRounding ? DtnConstants.FlagStochasticRounding : 0, options.Seed, &raw), "creating the BSR-AdamW plan");
            }
            plan = new BsrAdamWPlanHandle(raw);
            passes = new NativeGradientPasses(plan, parameters);
        }
        finally
        {
            foreach (var pin in pins) pin.Free();
            GC.KeepAlive(parameters);
        }
    }

    public string Backend { get; }

    /// <summary>Zeroing, squares and norms over every gradient in one pass each, on this plan.</summary>
    public NativeGradientPasses Gradients => passes;

    IGradientPasses IBsrAdamW.Gradients => passes;

    /// <summary>√Σg² over the gradients the plan covers (active blocks only): its clipping norm (see <see cref="NativeGradientPasses.GradNorm"/>).</summary>
    public Tensor GradNorm() => passes.GradNorm();

    public IReadOnlyList<BsrParameter> Parameters { get; }

    public long StepCount { get; private set; }

    public BsrAdamWOptions Options { get; }

    public long StateBytes
    {
        get
        {
            long bytes;
            NativeMethods.Check(NativeMethods.dtn_plan_state_bytes(plan, &bytes), "dtn_plan_state_bytes");
            return bytes;
        }
    }

    public bool AllBlocksActive
    {
        get
        {
            foreach (var l in layouts)
            {
                if (l is not null && l.ActiveBlocks != l.TotalBlocks) return false;
            }
            return true;
        }
    }

    public OptimizerStepResult Step(double learningRate, double maxGradNorm = 0, bool computeNorm = true, Tensor? precomputedGradNorm = null)
    {
        try
        {
            passes.RefreshPointers();
            float* norm = null;
            if (precomputedGradNorm is not null)
            {
                if (Parameters.Count > 0) BsrParameterChecks.CheckGradNorm(precomputedGradNorm, Parameters[0].Tensor);
                norm = (float*)TensorMemory.DataPointer(precomputedGradNorm);
            }
            return StepWith(learningRate, maxGradNorm, computeNorm, norm);
        }
        finally
        {
            // The tensors must outlive the call that reads their memory (gradients are owned by their parameters).
            GC.KeepAlive(Parameters);
            GC.KeepAlive(precomputedGradNorm);
        }
    }

    private OptimizerStepResult StepWith(double learningRate, double maxGradNorm, bool computeNorm, float* precomputedNorm)
    {
        var t = StepCount + 1;
        var args = new DtnStepArgs
        {
            LearningRate = learningRate,
            Beta1 = Options.Beta1,
            Beta2 = Options.Beta2,
            Eps = Options.Eps,
            WeightDecay = Options.WeightDecay,
            BiasCorrection1 = 1 - Math.Pow(Options.Beta1, t),
            BiasCorrection2 = 1 - Math.Pow(Options.Beta2, t),
            MaxGradNorm = maxGradNorm,
            ComputeNorm = computeNorm ? 1 : 0,
            Step = (ulong)t,
            GradNorm = precomputedNorm,
        };
        DtnStepResult result;
        fixed (IntPtr* pp = passes.ParamPointers, gp = passes.GradPointers)
        {
            NativeMethods.Check(NativeMethods.dtn_plan_step(plan, &args, (void**)pp, (void**)gp, &result), "BSR-AdamW step");
        }
        if (result.Applied != 0) StepCount = t;
        var norm = result.GradNorm < 0 ? double.NaN : result.GradNorm;
        return new OptimizerStepResult(norm, result.Finite != 0, result.Applied != 0, learningRate);
    }

    public void SetActiveBlocks(int index, BlockLayout layout)
    {
        var old = LayoutAt(index) ?? throw new ArgumentException($"parameter '{Parameters[index].Name}' is dense; it has no blocks");
        if (!old.SameShape(layout))
            throw new ArgumentException($"parameter '{Parameters[index].Name}': the new layout is {layout.Rows} x {layout.Cols} / {layout.BlockSize}, the old one {old.Rows} x {old.Cols} / {old.BlockSize}");
        fixed (int* rp = layout.RowPtr, ci = layout.ColIdx)
        {
            NativeMethods.Check(NativeMethods.dtn_plan_set_active(plan, index, rp, ci, layout.ActiveBlocks),
                $"changing the active blocks of '{Parameters[index].Name}'");
        }
        layouts[index] = layout;
    }

    public BsrTensorState GetTensorState(int index, Device? device = null)
    {
        var to = device ?? CPU;
        if (to.type != DeviceType.CPU && (to.type != Parameters[index].Tensor.device_type || to.index != Parameters[index].Tensor.device_index))
            throw new ArgumentException($"state of '{Parameters[index].Name}' can be copied to the CPU or to {Parameters[index].Tensor.device}, not to {to}");
        var layout = LayoutAt(index);
        long nnz, elements;
        int hasMaster;
        NativeMethods.Check(NativeMethods.dtn_plan_state_size(plan, index, &nnz, &elements, &hasMaster), "dtn_plan_state_size");
        long[] shape = layout is null ? [elements] : [nnz, layout.BlockSize, layout.BlockSize];
        var m = empty(shape, ScalarType.Float32, to);
        var v = empty(shape, ScalarType.Float32, to);
        var master = hasMaster != 0 ? empty(shape, ScalarType.Float32, to) : null;
        NativeMethods.Check(NativeMethods.dtn_plan_get_state(plan, index, TensorMemory.DataPointer(m), TensorMemory.DataPointer(v),
            master is null ? null : TensorMemory.DataPointer(master)), $"reading the state of '{Parameters[index].Name}'");
        GC.KeepAlive(m);
        GC.KeepAlive(v);
        GC.KeepAlive(master);
        return new BsrTensorState(Parameters[index].Name, layout, m, v, master);
    }

    public BsrAdamWState CaptureState() => new(StepCount, Enumerable.Range(0, Parameters.Count).Select(i => GetTensorState(i)).ToList());

    public void RestoreState(BsrAdamWState state)
    {
        BsrParameterChecks.ValidateState(Parameters, state);
        for (var i = 0; i < Parameters.Count; i++)
        {
            var saved = state.Tensors[i];
            if (saved.Layout is not null) SetActiveBlocks(i, saved.Layout);
            using var m = saved.ExpAvg.to(CPU).contiguous();
            using var v = saved.ExpAvgSq.to(CPU).contiguous();
            using var master = saved.Master?.to(CPU).contiguous();
            NativeMethods.Check(NativeMethods.dtn_plan_set_state(plan, i, TensorMemory.DataPointer(m), TensorMemory.DataPointer(v),
                master is null ? null : TensorMemory.DataPointer(master)), $"restoring the state of '{Parameters[i].Name}'");
            GC.KeepAlive(m);
            GC.KeepAlive(v);
            GC.KeepAlive(master);
        }
        StepCount = state.Step;
    }

    public void Dispose() => plan.Dispose();

    private BlockLayout? LayoutAt(int index) =>
        index >= 0 && index < layouts.Length ? layouts[index] : throw new ArgumentOutOfRangeException(nameof(index), $"no parameter {index} (there are {layouts.Length})");

    private static DtnTensorDesc Describe(BsrParameter p, List<System.Runtime.InteropServices.GCHandle> pins)
    {
        var t = p.Tensor;
        var desc = new DtnTensorDesc
        {
            Param = TensorMemory.DataPointer(t),
            DType = (int)t.dtype,
        };
        using (var g = t.grad)
        {
            if (g is not null && g.dtype == t.dtype && g.is_contiguous() && g.shape.SequenceEqual(t.shape))
                desc.Grad = TensorMemory.DataPointer(g);
        }
        if (p.Layout is null)
        {
            desc.Kind = DtnConstants.KindDense;
            desc.Rows = 1;
            desc.Cols = t.numel();
            desc.ParamLd = desc.GradLd = desc.Cols;
            return desc;
        }
        var layout = p.Layout;
        desc.Kind = DtnConstants.KindBlocked;
        desc.Rows = layout.Rows;
        desc.Cols = layout.Cols;
        desc.ParamLd = desc.GradLd = layout.Cols;
        desc.BlockSize = layout.BlockSize;
        var rowPtr = layout.RowPtr.ToArray();
        var colIdx = layout.ColIdx.ToArray();
        var rp = System.Runtime.InteropServices.GCHandle.Alloc(rowPtr, System.Runtime.InteropServices.GCHandleType.Pinned);
        pins.Add(rp);
        var ci = System.Runtime.InteropServices.GCHandle.Alloc(colIdx, System.Runtime.InteropServices.GCHandleType.Pinned);
        pins.Add(ci);
        desc.RowPtr = (int*)rp.AddrOfPinnedObject();
        desc.ColIdx = (int*)ci.AddrOfPinnedObject();
        return desc;
    }
}
