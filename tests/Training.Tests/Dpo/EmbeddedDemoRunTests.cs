using DeltaTui.Training.Checkpoints;
using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using DeltaTui.Core.Events;
using DeltaTui.Training.Masks;
using DeltaTui.Training.Optim;
using static TorchSharp.torch;
using Xunit;

namespace DeltaTui.Training.Tests.Dpo;

/// <summary>The shipped configs/demo.json end to end, shortened for CI (the full run is measured in docs/results.md).</summary>
public class EmbeddedDemoRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("demo-run-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    internal static DeltaTuiOptions DemoOptions(string root, params string[] overrides)
    {
        var demo = ConfigPaths.Locate(ConfigPaths.Demo);
        Assert.True(File.Exists(demo), $"{ConfigPaths.Demo} not found above {AppContext.BaseDirectory}");
        return ConfigLoader.Load(new ConfigSources([demo], new Dictionary<string, string>(),
        [
            "--run.output_root", Path.Combine(root, "runs"), "--run.device", "cpu",
            "--masks.output_dir", Path.Combine(root, "masks"), "--dpo.reference_cache_dir", Path.Combine(root, "ref-cache"),
            .. overrides,
        ]));
    }

    [Fact]
    public void Given_bsr_adamw_at_density_a_quarter_When_the_demo_trains_Then_blocks_are_selected_at_step_0_and_at_each_reselect_step()
    {
        var options = DemoOptions(_root, "--training.steps", "3", "--training.eval_every", "0", "--masks.mask_interval", "0",
            "--optimizer.type", "bsr-adamw", "--optimizer.bsr_density", "0.25", "--optimizer.reselect_every", "2");
        var hub = new EventHub();
        var events = hub.Subscribe();
        using var control = new TrainingControl();
        using (var run = DpoRunFactory.Create(options, "bsr", hub, control, resume: false))
            Assert.Equal(TrainingEnd.Completed, run.Trainer.Run(TestContext.Current.CancellationToken).End);
        hub.Complete();
        var all = new List<RunEvent>();
        while (events.TryRead(out var e)) all.Add(e);

        Assert.StartsWith("bsr-adamw", all.OfType<RunStarted>().Single().Optimizer);
        var selections = all.OfType<BlocksSelected>().ToList();
        Assert.Equal(2, selections.Count);
        Assert.Equal([0, 2], selections.Select(s => s.Step));
        Assert.All(selections, s => Assert.Contains("density 0.25", s.Reason));
    }

    [Fact]
    public void Given_bsr_adamw_below_density_1_When_the_run_is_built_Then_no_block_holds_optimizer_state_until_the_first_selection()
    {
        var options = DemoOptions(_root, "--training.steps", "1", "--training.eval_every", "0", "--masks.mask_interval", "0",
            "--optimizer.type", "bsr-adamw", "--optimizer.bsr_density", "0.25");
        using var control = new TrainingControl();
        var hub = new EventHub();
        using var run = DpoRunFactory.Create(options, "bsr-empty", hub, control, resume: false);
        var bsr = ((BsrAdamWStep)run.Optimizer).Optimizer;
        // 8 bytes of moments per element, 4 more for a bf16 weight's master copy
        long Bytes(IEnumerable<BsrParameter> ps) => ps.Sum(p => p.Tensor.numel() * (p.Tensor.dtype == ScalarType.BFloat16 ? 12L : 8L));
        var denseOnly = Bytes(bsr.Parameters.Where(p => p.Layout is null));
        var everything = Bytes(bsr.Parameters);

        // Given the run built: only the dense (1-D) parameters hold state
        Assert.Equal(denseOnly, bsr.StateBytes);

        // When the first step selects a quarter of the blocks
        Assert.Equal(TrainingEnd.Completed, run.Trainer.Run(TestContext.Current.CancellationToken).End);

        // Then about a quarter of the blocked weights' state exists, never all of it
        var blocked = bsr.StateBytes - denseOnly;
        Assert.InRange(blocked, (everything - denseOnly) / 5, (everything - denseOnly) / 3);
    }

    [Fact]
    public void Given_bsr_adamw_below_density_1_stopped_before_its_first_step_When_the_run_ends_Then_its_checkpoint_with_no_block_active_is_saved_and_loads()
    {
        var options = DemoOptions(_root, "--training.steps", "5", "--training.eval_every", "0", "--masks.mask_interval", "0",
            "--optimizer.type", "bsr-adamw", "--optimizer.bsr_density", "0.25");
        using var control = new TrainingControl();
        TrainingOutcome outcome;
        using (var run = DpoRunFactory.Create(options, "bsr-stop", new EventHub(), control, resume: false))
        {
            control.RequestStop();
            outcome = run.Trainer.Run(TestContext.Current.CancellationToken);
        }

        Assert.Equal(TrainingEnd.Stopped, outcome.End);
        Assert.Equal(0, outcome.Step);
        Assert.Null(CheckpointStore.Verify(outcome.Checkpoint!));
        // and a resumed run reads it (no block active yet) and trains on, selecting blocks at its first step
        using var resumedControl = new TrainingControl();
        using var resumed = DpoRunFactory.Create(options, "bsr-stop", new EventHub(), resumedControl, resume: true);
        Assert.Equal(TrainingEnd.Completed, resumed.Trainer.Run(TestContext.Current.CancellationToken).End);
    }

    [Fact]
    public void Given_the_demo_config_When_trained_briefly_Then_loss_starts_at_ln2_and_falls_held_out_accuracy_reaches_0_9_and_masks_scores_and_final_model_are_saved()
    {
        var options = DemoOptions(_root, "--training.steps", "30", "--training.eval_every", "30", "--masks.mask_interval", "15");
        var hub = new EventHub();
        var events = hub.Subscribe();
        using var control = new TrainingControl();
        TrainingOutcome outcome;
        using (var run = DpoRunFactory.Create(options, "ci", hub, control, resume: false))
            outcome = run.Trainer.Run(TestContext.Current.CancellationToken);
        hub.Complete();
        var all = new List<RunEvent>();
        while (events.TryRead(out var e)) all.Add(e);

        Assert.Equal(TrainingEnd.Completed, outcome.End);
        var losses = all.OfType<StepCompleted>().Select(s => s.Metrics["loss"]).ToArray();
        Assert.Equal(Math.Log(2), losses[0], 4);
        Assert.True(losses[^10..].Average() < losses[0] - 0.1, $"loss did not fall: {string.Join(", ", losses.Select(l => l.ToString("0.000")))}");
        var heldOut = all.OfType<EvalCompleted>().Last().Metrics["eval/rewards/accuracies"];
        Assert.True(heldOut >= 0.9, $"held-out accuracy {heldOut}");
        Assert.Contains(all.OfType<IouSnapshot>(), s => s.Metrics.ContainsKey("iou/fisher_vs_magnitude"));
        Assert.DoesNotContain(all, e => e is IouFailed);

        var masks = all.OfType<MaskSaved>().ToList();
        Assert.Equal(["fisher", "magnitude", "momentum"], masks.Select(m => m.Method).Order());
        foreach (var mask in masks)
        {
            using var loaded = MaskFile.Load(mask.Path);
            Assert.True(loaded.Masks.Count > 0);
            Assert.Equal(mask.Method, loaded.Metadata["method"]);
        }
        Assert.True(File.Exists(Path.Combine(_root, "runs", "ci", ScoresFile.FileName(30))));
        Assert.True(File.Exists(Path.Combine(_root, "final_checkpoint", "ci", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(_root, "final_checkpoint", "ci", "config.json")));
        Assert.True(File.Exists(Path.Combine(_root, "runs", "ci", DpoRunFactory.ResolvedConfigFileName)));
        Assert.Null(CheckpointStore.Verify(outcome.Checkpoint!));
    }

    [Fact]
    public void Given_precomputed_reference_log_probs_When_the_demo_starts_Then_the_loss_is_ln2_and_a_second_run_reads_the_cache()
    {
        var options = DemoOptions(_root, "--dpo.reference", "precomputed", "--training.steps", "2", "--training.eval_every", "0", "--masks.mask_interval", "0");
        var firstLoss = new List<double>();
        var cacheWrites = new List<DateTime[]>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var hub = new EventHub();
            var events = hub.Subscribe();
            using var control = new TrainingControl();
            using (var run = DpoRunFactory.Create(options, $"pre{attempt}", hub, control, resume: false))
                run.Trainer.Run(TestContext.Current.CancellationToken);
            hub.Complete();
            while (events.TryRead(out var e))
                if (e is StepCompleted { Step: 1 } step) firstLoss.Add(step.Metrics["loss"]);
            cacheWrites.Add(Directory.GetFiles(Path.Combine(_root, "ref-cache"), "*.reflogps").Order().Select(File.GetLastWriteTimeUtc).ToArray());
        }
        Assert.All(firstLoss, loss => Assert.Equal(Math.Log(2), loss, 4));
        Assert.Equal(2, firstLoss.Count);
        Assert.Equal(2, cacheWrites[0].Length); // train and eval
        Assert.Equal(cacheWrites[0], cacheWrites[1]); // the second run read them, it did not write them again
    }

    [Fact]
    public void Given_bf16_weights_When_the_demo_run_is_built_and_trains_Then_one_bf16_theta0_serves_deltas_and_scores()
    {
        var options = DemoOptions(_root, "--model.dtype", "bf16", "--training.steps", "2", "--training.eval_every", "0", "--masks.mask_interval", "0",
            "--delta.delta_interval", "1");
        var hub = new EventHub();
        var events = hub.Subscribe();
        using var control = new TrainingControl();
        using (var run = DpoRunFactory.Create(options, "bf16", hub, control, resume: false))
        {
            var theta0 = run.Trainer.Delta.Origin;
            Assert.Same(theta0, Assert.IsType<MaskWorkbench>(run.Masks).Theta0);
            Assert.All(theta0.Names, name => Assert.Equal(ScalarType.BFloat16, theta0.Stored(name).dtype));
            var parameters = run.Trainer.Delta.Origin.Names.Sum(name => theta0.Stored(name).numel());
            Assert.Equal(2 * parameters, theta0.Bytes);
            Assert.Equal(TrainingEnd.Completed, run.Trainer.Run(TestContext.Current.CancellationToken).End);
        }
        hub.Complete();
        var all = new List<RunEvent>();
        while (events.TryRead(out var e)) all.Add(e);

        Assert.Equal(2, all.OfType<StepCompleted>().Count());
        Assert.All(all.OfType<StepCompleted>(), s => Assert.True(double.IsFinite(s.Metrics["grad_norm"]) && s.Metrics["grad_norm"] > 0));
        Assert.Contains(all.OfType<DeltaStatsComputed>(), d => d.Tensors.Any(t => t.Norm > 0));
    }
}
