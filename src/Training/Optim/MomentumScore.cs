using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// The Momentum score of sparse momentum (Dettmers and Zettlemoyer, 2019): |m̂| / (√v̂ + ε) with
/// bias-corrected AdamW moments.
/// </summary>
public static class MomentumScore
{
    public static Tensor FromMoments(Tensor expAvg, Tensor expAvgSq, long step, double beta1, double beta2, double eps)
    {
        if (step <= 0) return zeros_like(expAvg, dtype: ScalarType.Float32);
        using var scope = NewDisposeScope();
        using var bc1 = (1 - Math.Pow(beta1, step)).ToScalar();
        using var bc2 = (1 - Math.Pow(beta2, step)).ToScalar();
        var score = expAvg.to(ScalarType.Float32).abs().div_(bc1).div_(expAvgSq.to(ScalarType.Float32).div(bc2).sqrt_().PlusInPlace(Scalars.Of(eps)));
        return score.MoveToOuterDisposeScope();
    }

    /// <summary>Full-shape score of parameter <paramref name="index"/>; zero in frozen blocks.</summary>
    public static Tensor Of(IBsrAdamW optimizer, int index)
    {
        using var scope = NewDisposeScope();
        var p = optimizer.Parameters[index];
        var state = optimizer.GetTensorState(index, p.Tensor.device);
        var o = optimizer.Options;
        var blocks = FromMoments(state.ExpAvg, state.ExpAvgSq, optimizer.StepCount, o.Beta1, o.Beta2, o.Eps);
        if (state.Layout is null) return blocks.reshape(p.Tensor.shape).MoveToOuterDisposeScope();
        var basis = zeros(p.Tensor.shape, ScalarType.Float32, p.Tensor.device);
        var ids = BlockTiling.BlockIds(state.Layout, p.Tensor.device);
        return BlockTiling.Scatter(blocks, basis, state.Layout, ids).MoveToOuterDisposeScope();
    }
}
