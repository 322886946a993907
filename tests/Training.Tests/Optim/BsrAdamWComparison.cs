using DeltaTui.Training.Optim;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

/// <summary>
/// Runs the native BSR-AdamW and the TorchSharp reference side by side through the same
/// scenario (steps, an active-set change, more steps) and asserts they agree.
/// </summary>
internal static class BsrAdamWComparison
{
    public static void NativeMatchesReference(int blockSize, double density, ScalarType dtype, bool clipping, Device device,
        double tolerance, int seed)
    {
        using var scenario = new BsrScenario(blockSize, density, dtype, device, seed);
        var options = new BsrAdamWOptions(Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1);
        var nativeParams = scenario.MakeParameters();
        var referenceParams = scenario.MakeParameters();
        using var native = new NativeBsrAdamW(nativeParams, options);
        using var reference = new BsrAdamWReference(referenceParams, options);
        var maxNorm = clipping ? 1.0 : 0.0;
        for (var step = 1; step <= 4; step++)
        {
            if (step == 3)
            {
                // Active-set change mid-run: some blocks kept, some new, some dropped.
                for (var i = 0; i < nativeParams.Count; i++)
                {
                    if (scenario.Layouts[i] is not { } old) continue;
                    var next = scenario.RandomLayout(old.Rows, old.Cols);
                    native.SetActiveBlocks(i, next);
                    reference.SetActiveBlocks(i, next);
                }
            }
            var grads = scenario.DrawGradients(scale: 0.5);
            BsrScenario.SetGradients(nativeParams, grads);
            BsrScenario.SetGradients(referenceParams, grads);
            var lr = 1e-2 * step;
            var a = native.Step(lr, maxNorm);
            var b = reference.Step(lr, maxNorm);
            Assert.True(a.Applied && b.Applied);
            Assert.True(Math.Abs(a.GradNorm - b.GradNorm) <= 1e-6 * b.GradNorm, $"step {step}: grad norm {a.GradNorm} vs {b.GradNorm}");
            foreach (var g in grads) g.Dispose();
        }
        for (var i = 0; i < nativeParams.Count; i++)
        {
            var name = nativeParams[i].Name;
            var weights = BsrScenario.RelativeError(nativeParams[i].Tensor, referenceParams[i].Tensor);
            var sa = native.GetTensorState(i);
            var sb = reference.GetTensorState(i);
            Assert.True(weights <= WeightTolerance(dtype, tolerance), $"{name}: weights differ by {weights:E2}");
            Assert.True(BsrScenario.RelativeError(sa.ExpAvg, sb.ExpAvg) <= tolerance, $"{name}: exp_avg differs");
            Assert.True(BsrScenario.RelativeError(sa.ExpAvgSq, sb.ExpAvgSq) <= tolerance, $"{name}: exp_avg_sq differs");
            if (sb.Master is not null) Assert.True(BsrScenario.RelativeError(sa.Master!, sb.Master) <= tolerance, $"{name}: master differs");
        }
    }

    // bf16 weights are the fp32 master rounded; a master differing in its last fp32 bit can round
    // to the neighbouring bf16 value (2^-8 relative) on rare elements, so the bf16 comparison gets
    // the bf16 resolution while the fp32 master is held to the fp32 tolerance.
    private static double WeightTolerance(ScalarType dtype, double tolerance) => dtype == ScalarType.BFloat16 ? 1e-3 : tolerance;
}
