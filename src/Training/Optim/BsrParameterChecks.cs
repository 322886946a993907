using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>The checks both BSR-AdamW backends make on their inputs, with errors that name the parameter.</summary>
internal static class BsrParameterChecks
{
    public static void Validate(IReadOnlyList<BsrParameter> parameters)
    {
        var names = new HashSet<string>();
        Device? device = null;
        foreach (var p in parameters)
        {
            if (!names.Add(p.Name)) throw new ArgumentException($"parameter '{p.Name}' appears twice");
            var t = p.Tensor;
            if (t.dtype != ScalarType.Float32 && t.dtype != ScalarType.BFloat16)
                throw new ArgumentException($"parameter '{p.Name}' is {t.dtype}; BSR-AdamW takes float32 or bfloat16 weights");
            if (!t.is_contiguous()) throw new ArgumentException($"parameter '{p.Name}' is not contiguous");
            if (t.numel() == 0) throw new ArgumentException($"parameter '{p.Name}' is empty");
            if (device is null) device = t.device;
            else if (t.device_type != device.type || t.device_index != device.index)
                throw new ArgumentException($"parameter '{p.Name}' is on {t.device}, the others on {device}; one optimizer works on one device");
            if (p.Layout is { } layout && (t.ndim != 2 || t.shape[0] != layout.Rows || t.shape[1] != layout.Cols))
                throw new ArgumentException($"parameter '{p.Name}' has shape [{string.Join(", ", t.shape)}] but its block layout is for {layout.Rows} x {layout.Cols}");
        }
    }

    /// <summary>The parameter's gradient, checked against the parameter (new wrapper; dispose it).</summary>
    public static Tensor GradOf(BsrParameter p)
    {
        var g = RawGradOf(p);
        CheckGrad(p, g);
        return g;
    }

    /// <summary>The parameter's gradient, unchecked (new wrapper; dispose it).</summary>
    public static Tensor RawGradOf(BsrParameter p) =>
        p.Tensor.grad ?? throw new InvalidOperationException($"parameter '{p.Name}' has no gradient; run backward before the optimizer step");

    public static void CheckGrad(BsrParameter p, Tensor g)
    {
        if (GradProblem(p, g) is { } problem) throw new InvalidOperationException(problem);
    }

    /// <summary>Why the native plan cannot read <paramref name="g"/> as the gradient of <paramref name="p"/>; null when it can.</summary>
    public static string? GradProblem(BsrParameter p, Tensor g)
    {
        if (g.dtype != p.Tensor.dtype) return $"gradient of '{p.Name}' is {g.dtype}, the parameter {p.Tensor.dtype}";
        if (!g.shape.SequenceEqual(p.Tensor.shape)) return $"gradient of '{p.Name}' has shape [{string.Join(", ", g.shape)}], the parameter [{string.Join(", ", p.Tensor.shape)}]";
        if (g.device_type != p.Tensor.device_type || g.device_index != p.Tensor.device_index)
            return $"gradient of '{p.Name}' is on {g.device}, the parameter on {p.Tensor.device}";
        if (!g.is_contiguous()) return $"gradient of '{p.Name}' is not contiguous";
        return null;
    }

    /// <summary>A caller's gradient norm must be one float32 element on the parameters' device.</summary>
    public static void CheckGradNorm(Tensor norm, Tensor parameter)
    {
        if (norm.numel() != 1) throw new ArgumentException($"a precomputed gradient norm must have one element, got shape [{string.Join(", ", norm.shape)}]");
        if (norm.dtype != ScalarType.Float32) throw new ArgumentException($"a precomputed gradient norm must be Float32, got {norm.dtype}");
        if (norm.device_type != parameter.device_type || norm.device_index != parameter.device_index)
            throw new ArgumentException($"the precomputed gradient norm is on {norm.device}, the parameters on {parameter.device}");
    }

    public static void ValidateState(IReadOnlyList<BsrParameter> parameters, BsrAdamWState state)
    {
        if (state.Step < 0) throw new ArgumentException($"optimizer state has a negative step count {state.Step}");
        if (state.Tensors.Count != parameters.Count)
            throw new ArgumentException($"optimizer state has {state.Tensors.Count} tensors, the optimizer {parameters.Count} parameters");
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var s = state.Tensors[i];
            if (s.Name != p.Name) throw new ArgumentException($"optimizer state tensor {i} is '{s.Name}', expected '{p.Name}'");
            if ((s.Layout is null) != (p.Layout is null))
                throw new ArgumentException($"optimizer state of '{p.Name}' is {(s.Layout is null ? "dense" : "blocked")}, the parameter {(p.Layout is null ? "dense" : "blocked")}");
            if (s.Layout is not null && !s.Layout.SameShape(p.Layout!))
                throw new ArgumentException($"optimizer state of '{p.Name}' has blocks for {s.Layout.Rows} x {s.Layout.Cols} / {s.Layout.BlockSize}, the parameter {p.Layout!.Rows} x {p.Layout.Cols} / {p.Layout.BlockSize}");
            var expected = s.Layout is null ? p.Tensor.numel() : (long)s.Layout.ActiveBlocks * s.Layout.BlockSize * s.Layout.BlockSize;
            foreach (var (what, t) in new[] { ("exp_avg", s.ExpAvg), ("exp_avg_sq", s.ExpAvgSq), ("master", s.Master) })
            {
                if (t is null) continue;
                if (t.dtype != ScalarType.Float32) throw new ArgumentException($"optimizer state {what} of '{p.Name}' is {t.dtype}, expected Float32");
                if (t.numel() != expected) throw new ArgumentException($"optimizer state {what} of '{p.Name}' has {t.numel()} elements, expected {expected}");
            }
            if (p.Tensor.dtype == ScalarType.BFloat16 && s.Master is null)
                throw new ArgumentException($"optimizer state of bfloat16 '{p.Name}' has no fp32 master");
        }
    }
}
