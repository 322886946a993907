using DeltaTui.Core.Events;
using DeltaTui.Training.Dpo;
using DeltaTui.Training.Masks;
using DeltaTui.Training.Optim;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Dpo;

/// <summary>optimizer.active_from: find a mask with a dense run, then train block-sparse on it (the embedded model, CPU).</summary>
public class ActiveFromRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("active-from-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static List<RunEvent> Train(DeltaTui.Training.Config.DeltaTuiOptions options, string name, Action<DpoRun>? after = null)
    {
        var hub = new EventHub();
        var events = hub.Subscribe();
        using var control = new TrainingControl();
        using (var run = DpoRunFactory.Create(options, name, hub, control, resume: false))
        {
            Assert.Equal(TrainingEnd.Completed, run.Trainer.Run(TestContext.Current.CancellationToken).End);
            after?.Invoke(run);
        }
        hub.Complete();
        var all = new List<RunEvent>();
        while (events.TryRead(out var e)) all.Add(e);
        return all;
    }

    [Fact]
    public void Given_the_magnitude_mask_of_a_dense_run_When_a_bsr_run_trains_from_it_Then_only_its_blocks_move_and_the_iou_against_it_is_shown()
    {
        // Given the magnitude mask of a short dense run
        var dense = EmbeddedDemoRunTests.DemoOptions(_root, "--training.steps", "2", "--training.eval_every", "0", "--masks.mask_interval", "0");
        Train(dense, "discover");
        var mask = Path.Combine(_root, "masks", "discover", "magnitude-step2.pt");
        Assert.True(File.Exists(mask), mask);

        // When a BSR run trains three steps with its active set fixed from that mask
        var sparse = EmbeddedDemoRunTests.DemoOptions(_root, "--training.steps", "3", "--training.eval_every", "0", "--masks.mask_interval", "0",
            "--optimizer.type", "bsr-adamw", "--optimizer.bsr_density", "0.25", "--optimizer.reselect_every", "0",
            "--optimizer.bsr_block_size", "16", "--optimizer.active_from", mask);
        int frozenChecked = 0, movedActive = 0;
        var events = Train(sparse, "sparse", run =>
        {
            // Then every element outside the active blocks is bit-identical to θ0
            var bsr = ((BsrAdamWStep)run.Optimizer).Optimizer;
            for (int i = 0; i < bsr.Parameters.Count; i++)
            {
                var p = bsr.Parameters[i];
                var state = bsr.GetTensorState(i);
                using (state.ExpAvg) using (state.ExpAvgSq) using (state.Master)
                {
                    if (state.Layout is not { } layout) continue;
                    using var active = BlockPooling.Expand(layout.ToBlockMask(), p.Tensor.shape, layout.BlockSize);
                    using var theta0 = run.Trainer.Delta.Origin.Float32(p.Name);
                    using var now = p.Tensor.detach().to(ScalarType.Float32);
                    using var frozen = active.logical_not();
                    Assert.True(now.masked_select(frozen).eq(theta0.masked_select(frozen)).all().item<bool>(), $"{p.Name} moved outside its active blocks");
                    frozenChecked++;
                    if (!now.masked_select(active).eq(theta0.masked_select(active)).all().item<bool>()) movedActive++;
                }
            }
        });

        Assert.True(frozenChecked > 0 && movedActive > 0, $"{frozenChecked} blocked weights checked, {movedActive} moved");
        var selected = events.OfType<ActiveSetSelected>().ToList();
        Assert.Single(selected); // from the file; never re-selected
        Assert.Contains("active_from", selected[0].Source);
        var iou = events.OfType<IouSnapshot>().Last();
        Assert.Contains(DpoMetricNames.IouMagnitudeVsReference, iou.Metrics.Keys);
        Assert.Equal(1, iou.Metrics[DpoMetricNames.IouConfined]);
        Assert.InRange(iou.Metrics[DpoMetricNames.ActiveReferenceCoverage], 0, 1);
    }
}
