using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Moves dense AdamW's state between its two checkpoint formats, so that a run resumes whichever
/// backend wrote it: TorchSharp's (<see cref="TorchAdamWStep"/>: step count, then TorchSharp's
/// AdamW state in the parameters' dtype) and the native one (<see cref="NativeAdamWStep"/>:
/// BSR-AdamW's format with every block active, fp32 moments and bf16 masters). Both hold the same
/// AdamW moments; a master missing from TorchSharp's is taken from the weights.
/// </summary>
internal static class DenseAdamWStateConversion
{
    /// <summary>Reads a <see cref="TorchAdamWStep"/> checkpoint into a native plan whose blocks are all active.</summary>
    public static void LoadTorchIntoNative(BinaryReader reader, IEnumerable<(string Name, Parameter Parameter)> allParameters,
        BsrAdamWOptions options, IBsrAdamW target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var torch = new TorchAdamWStep(allParameters, options);
        torch.LoadState(reader);
        var index = torch.Parameters.Select((p, i) => (p.Name, i)).ToDictionary(x => x.Name, x => x.i);
        var tensors = target.Parameters.Select(p =>
        {
            if (!index.TryGetValue(p.Name, out var i))
                throw new InvalidDataException($"the dense AdamW checkpoint has no state for parameter '{p.Name}'");
            var state = torch.StateOf(i);
            var master = p.Tensor.dtype == ScalarType.BFloat16 ? p.Tensor.to(ScalarType.Float32) : null;
            return new BsrTensorState(p.Name, p.Layout, ToNative(state.exp_avg, p), ToNative(state.exp_avg_sq, p),
                master is null ? null : ToNative(master, p));
        }).ToList();
        target.RestoreState(new BsrAdamWState(torch.StepCount, tensors));
    }

    /// <summary>Writes native dense AdamW state (every block active) into TorchSharp's AdamW.</summary>
    public static void LoadNativeIntoTorch(BsrAdamWState state, TorchAdamWStep target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        try
        {
            var byName = state.Tensors.ToDictionary(t => t.Name);
            for (var i = 0; i < target.Parameters.Count; i++)
            {
                var (name, p) = target.Parameters[i];
                // The native optimizer leaves out parameters that need no gradient: they keep no state.
                if (!byName.TryGetValue(name, out var saved)) continue;
                if (saved.Layout is { } layout && layout.ActiveBlocks != layout.TotalBlocks)
                    throw new InvalidDataException($"the checkpoint holds BSR-AdamW state with inactive blocks ('{name}': {layout.ActiveBlocks} of {layout.TotalBlocks}); resume it with optimizer.type bsr-adamw");
                var torchState = target.StateOf(i);
                torchState.exp_avg.copy_(ToFull(saved.ExpAvg, saved.Layout, p));
                torchState.exp_avg_sq.copy_(ToFull(saved.ExpAvgSq, saved.Layout, p));
                torchState.step = state.Step;
            }
            target.SetStepCount(state.Step);
        }
        finally
        {
            foreach (var t in state.Tensors)
            {
                t.ExpAvg.Dispose();
                t.ExpAvgSq.Dispose();
                t.Master?.Dispose();
            }
        }
    }

    // Full-shape moments -> the native layout of p: [nnz, B, B] blocks, or flat for a dense tensor.
    private static Tensor ToNative(Tensor full, BsrParameter p)
    {
        var f = full.to(ScalarType.Float32);
        return p.Layout is { } layout ? BlockTiling.Gather(f, layout, BlockTiling.BlockIds(layout, f.device)) : f.reshape(-1);
    }

    private static Tensor ToFull(Tensor saved, BlockLayout? layout, Tensor parameter)
    {
        var device = parameter.device;
        if (layout is null) return saved.to(device).reshape(parameter.shape);
        var basis = zeros(parameter.shape, ScalarType.Float32, device);
        return BlockTiling.Scatter(saved.to(device), basis, layout, BlockTiling.BlockIds(layout, device));
    }
}
