using DeltaTui.Training.Checkpoints;
using DeltaTui.Training.Models;
using DeltaTui.Training.Config;
using DeltaTui.Training.Sinks;
using DeltaTui.Training.Dpo;
using DeltaTui.Core.Events;
using DeltaTui.Training.Masks;
using DeltaTui.Training.Optim;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Dpo;

public class DpoTrainerTests : IDisposable
{
    private readonly string _runDir = Directory.CreateTempSubdirectory("dpo-trainer-").FullName;

    public void Dispose() => Directory.Delete(_runDir, recursive: true);

    private sealed class Run : IDisposable
    {
        public required TinyCausalLm Policy { get; init; }
        public required DpoTrainer Trainer { get; init; }
        public required EventHub Hub { get; init; }
        public required TrainingControl Control { get; init; }
        public required System.Threading.Channels.ChannelReader<RunEvent> Events { get; init; }
        public required Theta0 Theta0 { get; init; }
        public required IReadOnlyList<Task> FileSinks { get; init; }

        /// <summary>Ends the event stream, waits until the run's file sinks have written everything, and returns the events.</summary>
        public List<RunEvent> Drain()
        {
            Hub.Complete();
            Task.WaitAll(FileSinks);
            var all = new List<RunEvent>();
            while (Events.TryRead(out var e)) all.Add(e);
            return all;
        }

        public void Dispose()
        {
            Trainer.Dispose();
            Theta0.Dispose();
            Policy.Dispose();
            Control.Dispose();
        }
    }

    /// <param name="masks">Builds the workbench from the policy and the run's θ0 (shared with the weight deltas, as the run factory does).</param>
    private Run NewRun(int steps, IDpoBatchSource? data = null, IReferenceModel? reference = null, int checkpointEvery = 0,
        int maxNonFinite = 10, int gradAccumulation = 1, int evalEvery = 0, Func<TinyCausalLm, Theta0, IMaskWorkbench>? masks = null, int maskInterval = 50,
        bool profile = false, double maxGradNorm = 1.0, TrainingControl? control = null, bool overlapReference = false)
    {
        var policy = new TinyCausalLm(seed: 5);
        var hub = new EventHub();
        var events = hub.Subscribe();
        var fileSinks = RunFileSinks.Start(hub, _runDir);
        control ??= new TrainingControl();
        var source = data ?? TinyPreferenceData.Source(gradAccumulation: gradAccumulation);
        var options = new DpoTrainerOptions
        {
            RunName = "test", RunDirectory = _runDir, TotalSteps = steps, GradAccumulation = gradAccumulation,
            LearningRate = step => 0.05, MaxGradNorm = maxGradNorm, DeltaInterval = 2, CheckpointEvery = checkpointEvery,
            MaxConsecutiveNonFinite = maxNonFinite, EvalEvery = evalEvery, MaskInterval = maskInterval, Profile = profile,
            OverlapReference = overlapReference,
        };
        var theta0 = new Theta0(policy.named_parameters().Select(p => new NamedTensor(p.name, p.parameter)));
        var optimizer = new TorchAdamWStep(policy.named_parameters().Select(p => (p.name, p.parameter)), new BsrAdamWOptions(WeightDecay: 0));
        var trainer = new DpoTrainer(options, policy, reference ?? new FrozenCopyReference(new TinyCausalLm(seed: 5)), source, optimizer, hub, control,
            masks?.Invoke(policy, theta0), theta0: theta0);
        return new Run { Policy = policy, Trainer = trainer, Hub = hub, Control = control, Events = events, Theta0 = theta0, FileSinks = fileSinks };
    }

    private static double[] Losses(IEnumerable<RunEvent> events) =>
        events.OfType<StepCompleted>().OrderBy(s => s.Step).Select(s => s.Metrics["loss"]).ToArray();

    [Fact]
    public void Given_a_frozen_copy_reference_When_the_first_step_runs_Then_the_loss_is_ln2_and_rewards_are_zero()
    {
        using var run = NewRun(steps: 1);
        run.Trainer.Run(TestContext.Current.CancellationToken);
        var first = run.Drain().OfType<StepCompleted>().Single();
        Assert.Equal(Math.Log(2), first.Metrics["loss"], 6);
        Assert.Equal(0.0, first.Metrics["rewards/margins"], 6);
        Assert.Equal(0.05, first.Metrics["learning_rate"], 9);
        Assert.True(first.Metrics["grad_norm"] > 0);
        Assert.True(first.Metrics["tokens_per_second"] > 0);
    }

    [Fact]
    public void Given_a_learnable_preference_When_training_Then_loss_falls_and_held_out_accuracy_rises()
    {
        using var run = NewRun(steps: 30, evalEvery: 30);
        var outcome = run.Trainer.Run(TestContext.Current.CancellationToken);
        var events = run.Drain();
        var losses = Losses(events);
        Assert.Equal(TrainingEnd.Completed, outcome.End);
        Assert.True(losses[^5..].Average() < losses[..5].Average() - 0.1, $"loss did not fall: {string.Join(", ", losses)}");
        var eval = events.OfType<EvalCompleted>().Last();
        Assert.True(eval.Metrics["eval/rewards/accuracies"] >= 0.9, $"eval accuracy {eval.Metrics["eval/rewards/accuracies"]}");
        var delta = events.OfType<DeltaStatsComputed>().Last();
        Assert.All(delta.Tensors, t => Assert.True(t.Norm > 0));
        Assert.Equal(File.ReadAllLines(Path.Combine(_runDir, DeltaLogSink.FileName)).Length, events.OfType<DeltaStatsComputed>().Count());
        Assert.NotNull(run.Trainer.Checkpoints.FindLatestComplete());
    }

    [Fact]
    public void Given_the_reference_forward_overlapped_on_a_worker_When_training_Then_every_step_equals_the_sequential_run()
    {
        double[] sequential, overlapped;
        using (var run = NewRun(steps: 6, gradAccumulation: 2))
        {
            run.Trainer.Run(TestContext.Current.CancellationToken);
            sequential = Losses(run.Drain());
        }
        Directory.Delete(_runDir, recursive: true);
        using (var run = NewRun(steps: 6, gradAccumulation: 2, overlapReference: true))
        {
            run.Trainer.Run(TestContext.Current.CancellationToken);
            overlapped = Losses(run.Drain());
        }

        Assert.Equal(6, overlapped.Length);
        Assert.Equal(Math.Log(2), overlapped[0], 6);
        Assert.Equal(sequential, overlapped);
    }

    /// <summary>Asks the run to stop while the micro-batches of a given step are being drawn, so the stop lands mid-step.</summary>
    private sealed class StopDuringStep(IDpoBatchSource inner, int stopAtStep, TrainingControl control) : IDpoBatchSource
    {
        public int TrainPairCount => inner.TrainPairCount;
        public int EvalPairCount => inner.EvalPairCount;
        public string Fingerprint => inner.Fingerprint;
        public IEnumerable<DpoBatch> EvalBatches() => inner.EvalBatches();
        public IEnumerable<DpoBatch> AllTrainBatches() => inner.AllTrainBatches();

        public DpoBatch TrainBatch(int step, int microBatch)
        {
            if (step == stopAtStep) control.RequestStop();
            return inner.TrainBatch(step, microBatch);
        }
    }

    [Fact]
    public void Given_a_run_stopped_at_step_k_When_resumed_Then_it_produces_the_same_losses_as_an_uninterrupted_run()
    {
        double[] uninterrupted;
        using (var run = NewRun(steps: 8, gradAccumulation: 2))
        {
            run.Trainer.Run(TestContext.Current.CancellationToken);
            uninterrupted = Losses(run.Drain());
        }
        Directory.Delete(_runDir, recursive: true);
        Directory.CreateDirectory(_runDir);

        double[] firstPart;
        using (var stopControl = new TrainingControl())
        {
            var policy = new TinyCausalLm(seed: 5);
            var hub = new EventHub();
            var events = hub.Subscribe();
            var control = new TrainingControl();
            var data = new StopDuringStep(TinyPreferenceData.Source(gradAccumulation: 2), stopAtStep: 3, control);
            var options = new DpoTrainerOptions
            {
                RunName = "test", RunDirectory = _runDir, TotalSteps = 8, GradAccumulation = 2, LearningRate = step => 0.05, DeltaInterval = 2,
            };
            using var trainer = new DpoTrainer(options, policy, new FrozenCopyReference(new TinyCausalLm(seed: 5)), data,
                new TorchAdamWStep(policy.named_parameters().Select(p => (p.name, p.parameter)), new BsrAdamWOptions(WeightDecay: 0)), hub, control);
            var outcome = trainer.Run(TestContext.Current.CancellationToken);
            Assert.Equal(TrainingEnd.Stopped, outcome.End);
            Assert.Equal(4, outcome.Step);   // the step in flight (index 3) finished
            hub.Complete();
            var all = new List<RunEvent>();
            while (events.TryRead(out var e)) all.Add(e);
            firstPart = Losses(all);
            Assert.True(all.OfType<RunFinished>().Single().Stopped);
            policy.Dispose();
            control.Dispose();
        }

        using var resumed = NewRun(steps: 8, gradAccumulation: 2);
        var latest = resumed.Trainer.Checkpoints.FindLatestComplete();
        Assert.NotNull(latest);
        resumed.Trainer.Resume(latest);
        Assert.Equal(4, resumed.Trainer.Step);
        resumed.Trainer.Run(TestContext.Current.CancellationToken);
        var secondPart = Losses(resumed.Drain());

        Assert.Equal(uninterrupted.Length, firstPart.Length + secondPart.Length);
        var combined = firstPart.Concat(secondPart).ToArray();
        for (var i = 0; i < uninterrupted.Length; i++) Assert.Equal(uninterrupted[i], combined[i], 6);
    }

    [Fact]
    public void Given_a_checkpoint_truncated_after_its_marker_When_looking_for_one_to_resume_Then_it_is_never_taken()
    {
        using var run = NewRun(steps: 4, checkpointEvery: 2);
        run.Trainer.Run(TestContext.Current.CancellationToken);
        var store = run.Trainer.Checkpoints;
        var step4 = Path.Combine(store.Directory, CheckpointStore.FolderName(4));
        var step2 = Path.Combine(store.Directory, CheckpointStore.FolderName(2));
        Assert.Equal(step4, store.FindLatestComplete());

        var model = Path.Combine(step4, "model.bin");
        using (var stream = new FileStream(model, FileMode.Open)) stream.SetLength(stream.Length / 2);
        var rejected = new List<string>();
        Assert.Equal(step2, store.FindLatestComplete(rejected));
        Assert.Contains("model.bin has", Assert.Single(rejected));
        var error = Assert.Throws<InvalidDataException>(() => run.Trainer.Resume(step4));
        Assert.Contains("model.bin", error.Message);
    }

    [Fact]
    public void Given_a_checkpoint_folder_without_its_marker_When_looking_for_one_to_resume_Then_it_is_skipped()
    {
        var store = new CheckpointStore(Path.Combine(_runDir, "checkpoints"));
        store.Save(1, w => w.WriteFile("a.bin", s => s.Write([1, 2, 3])));
        var interrupted = Path.Combine(store.Directory, CheckpointStore.FolderName(2));
        Directory.CreateDirectory(interrupted);
        File.WriteAllBytes(Path.Combine(interrupted, "a.bin"), [1, 2]);
        var rejected = new List<string>();
        Assert.Equal(Path.Combine(store.Directory, CheckpointStore.FolderName(1)), store.FindLatestComplete(rejected));
        Assert.Contains("no COMPLETE marker", Assert.Single(rejected));
    }

    [Fact]
    public void Given_a_failing_checkpoint_writer_When_saving_Then_no_folder_is_left_behind()
    {
        var store = new CheckpointStore(Path.Combine(_runDir, "checkpoints"));
        Assert.Throws<IOException>(() => store.Save(3, w =>
        {
            w.WriteFile("a.bin", s => s.Write([1]));
            throw new IOException("disk full");
        }));
        Assert.Empty(Directory.GetFileSystemEntries(store.Directory));
        Assert.Null(store.FindLatestComplete());
    }

    /// <summary>A reference whose log-probs are NaN: every step's loss is non-finite.</summary>
    private sealed class NaNReference : IReferenceModel
    {
        public string Kind => "nan";
        public Tensor LogProbs(DpoBatch batch) => full(2 * batch.Pairs, double.NaN, dtype: ScalarType.Float32);
        public void Dispose() { }
    }

    [Fact]
    public void Given_non_finite_losses_When_K_come_in_a_row_Then_steps_are_skipped_and_the_run_stops_with_the_last_good_state_saved()
    {
        using var run = NewRun(steps: 10, reference: new NaNReference(), maxNonFinite: 3);
        var before = run.Policy.parameters().Select(p => p.detach().clone()).ToList();
        var outcome = run.Trainer.Run(TestContext.Current.CancellationToken);
        var events = run.Drain();

        Assert.Equal(TrainingEnd.Diverged, outcome.End);
        Assert.NotEqual(0, outcome.ExitCode);
        var skipped = events.OfType<StepSkipped>().ToList();
        Assert.Equal([1, 2, 3], skipped.Select(s => s.Consecutive));
        Assert.Equal("non-finite loss", skipped[0].Reason);
        Assert.Contains("3 consecutive", events.OfType<RunFailed>().Single().Message);
        Assert.Empty(events.OfType<StepCompleted>());
        Assert.All(run.Policy.parameters().Zip(before), pair => Assert.True(pair.First.detach().allclose(pair.Second, rtol: 0, atol: 0)));
        Assert.Null(CheckpointStore.Verify(outcome.Checkpoint!));
    }

    [Fact]
    public async Task Given_a_pause_When_resumed_from_another_thread_Then_training_continues_and_state_changes_are_published()
    {
        using var run = NewRun(steps: 2);
        var watch = run.Hub.Subscribe();
        run.Control.Pause();
        // Resumes once the trainer says it has paused (the timeout only guards against a trainer that never does).
        var resumer = Task.Run(async () =>
        {
            await foreach (var e in watch.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                if (e is RunStateChanged { State: RunState.Paused })
                {
                    run.Control.Resume();
                    return;
                }
            }
        }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        var outcome = run.Trainer.Run(TestContext.Current.CancellationToken);
        await resumer;
        var states = run.Drain().OfType<RunStateChanged>().Select(s => s.State).ToList();
        Assert.Equal(TrainingEnd.Completed, outcome.End);
        Assert.Equal([RunState.Running, RunState.Paused, RunState.Running, RunState.Saved], states);
    }

    private static MaskWorkbench Workbench(TinyCausalLm policy, string directory, Theta0? theta0 = null) => new(
        policy.named_parameters().Select(p => (p.name, p.parameter)), new ScoreParticipation(IncludeEmbeddings: true), new MaskOptions { Sparsity = 0.5 },
        name => zeros(policy.named_parameters().Single(p => p.name == name).parameter.shape), directory, "tiny-test-lm", theta0);

    [Fact]
    public void Given_a_save_masks_request_When_the_run_is_between_steps_Then_all_three_masks_are_saved_and_training_continues()
    {
        var maskDir = Path.Combine(_runDir, "masks");
        using var run = NewRun(steps: 2, masks: (policy, theta0) => Workbench(policy, maskDir, theta0));
        run.Control.RequestSaveMasks();
        var outcome = run.Trainer.Run(TestContext.Current.CancellationToken);
        var saved = run.Drain().OfType<MaskSaved>().ToList();

        Assert.Equal(TrainingEnd.Completed, outcome.End);
        Assert.Equal(["fisher", "magnitude", "momentum"], saved.Where(m => m.Step == 0).Select(m => m.Method).Order());
        Assert.Equal(["fisher", "magnitude", "momentum"], saved.Where(m => m.Step == 2).Select(m => m.Method).Order());
        Assert.All(saved, m => Assert.True(File.Exists(m.Path)));
    }

    /// <summary>A workbench whose IoU computation always breaks.</summary>
    private sealed class BrokenIou(IMaskWorkbench inner) : IMaskWorkbench
    {
        public double Sparsity => inner.Sparsity;
        public void AccumulateGradients() => inner.AccumulateGradients();
        public void AfterOptimizerStep() => inner.AfterOptimizerStep();
        public IouSnapshot Compare(int step, bool detailed) => throw new InvalidOperationException("popcount exploded");
        public IReadOnlyList<(string Method, string Path)> SaveMasks(int step) => inner.SaveMasks(step);
        public string SaveScores(int step, string directory) => inner.SaveScores(step, directory);
        public void SaveState(Stream stream) => inner.SaveState(stream);
        public void LoadState(Stream stream, string source) => inner.LoadState(stream, source);
        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public void Given_an_iou_computation_that_throws_When_masks_are_compared_Then_IouFailed_is_published_and_training_finishes()
    {
        var maskDir = Path.Combine(_runDir, "masks");
        using var run = NewRun(steps: 4, masks: (policy, theta0) => new BrokenIou(Workbench(policy, maskDir, theta0)), maskInterval: 2);
        var outcome = run.Trainer.Run(TestContext.Current.CancellationToken);
        var events = run.Drain();

        Assert.Equal(TrainingEnd.Completed, outcome.End);
        Assert.Equal([2, 4], events.OfType<IouFailed>().Select(f => f.Step));
        Assert.Contains("popcount exploded", events.OfType<IouFailed>().First().Message);
        Assert.Equal(4, events.OfType<StepCompleted>().Count());
    }

    [Fact]
    public void Given_a_run_with_masks_stopped_at_step_k_When_resumed_Then_losses_and_scores_equal_an_uninterrupted_run_and_checkpoints_hold_no_theta0()
    {
        var maskDir = Path.Combine(_runDir, "masks");
        var scoresFile = ScoresFile.FileName(6);
        double[] uninterrupted;
        var uninterruptedScores = Path.Combine(Directory.CreateTempSubdirectory("dpo-scores-").FullName, scoresFile);
        using (var run = NewRun(steps: 6, gradAccumulation: 2, masks: (policy, theta0) => Workbench(policy, maskDir, theta0)))
        {
            run.Trainer.Run(TestContext.Current.CancellationToken);
            uninterrupted = Losses(run.Drain());
        }
        File.Copy(Path.Combine(_runDir, scoresFile), uninterruptedScores);
        Directory.Delete(_runDir, recursive: true);
        Directory.CreateDirectory(_runDir);

        double[] firstPart;
        var stopControl = new TrainingControl();
        using (var stopped = NewRun(steps: 6, gradAccumulation: 2, masks: (policy, theta0) => Workbench(policy, maskDir, theta0), control: stopControl,
                   data: new StopDuringStep(TinyPreferenceData.Source(gradAccumulation: 2), stopAtStep: 2, stopControl)))
        {
            Assert.Equal(TrainingEnd.Stopped, stopped.Trainer.Run(TestContext.Current.CancellationToken).End);
            firstPart = Losses(stopped.Drain());
        }
        var checkpoint = new CheckpointStore(Path.Combine(_runDir, "checkpoints")).FindLatestComplete();
        Assert.NotNull(checkpoint);
        var stateKeys = ScoreStateKeys(Path.Combine(checkpoint, "scores-state.bin"));
        Assert.Contains(stateKeys, k => k.StartsWith("fisher.", StringComparison.Ordinal));
        Assert.DoesNotContain(stateKeys, k => k.StartsWith("theta0.", StringComparison.Ordinal));

        double[] secondPart;
        using (var resumed = NewRun(steps: 6, gradAccumulation: 2, masks: (policy, theta0) => Workbench(policy, maskDir, theta0)))
        {
            // θ0 is snapshotted from the freshly built policy: make it wrong, so only theta0.bin can put it right.
            using (no_grad()) foreach (var name in resumed.Theta0.Names) resumed.Theta0.Stored(name).add_(1f);
            resumed.Trainer.Resume(checkpoint);
            resumed.Trainer.Run(TestContext.Current.CancellationToken);
            secondPart = Losses(resumed.Drain());
        }

        var combined = firstPart.Concat(secondPart).ToArray();
        Assert.Equal(uninterrupted.Length, combined.Length);
        for (var i = 0; i < uninterrupted.Length; i++) Assert.Equal(uninterrupted[i], combined[i], 6);
        foreach (var method in new[] { ScoreMethod.Fisher, ScoreMethod.Magnitude })
        {
            var expected = ScoresFile.Load(uninterruptedScores, method).ToDictionary(t => t.Name, t => t.Tensor);
            var actual = ScoresFile.Load(Path.Combine(_runDir, scoresFile), method);
            Assert.Equal(expected.Count, actual.Count);
            foreach (var (name, tensor) in actual)
                Assert.True(tensor.allclose(expected[name], rtol: 1e-5, atol: 1e-7), $"{method} score of {name} differs after resume");
        }
    }

    private static List<string> ScoreStateKeys(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var keys = new List<string>();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            keys.Add(reader.ReadString());
            Tensor.Load(reader).Dispose();
        }
        return keys;
    }

    [Fact]
    public void Given_profiling_When_a_run_trains_Then_every_step_publishes_all_phases_and_profile_json_holds_their_medians()
    {
        using var run = NewRun(steps: 6, gradAccumulation: 2, profile: true);
        run.Trainer.Run(TestContext.Current.CancellationToken);
        var events = run.Drain();

        var profiled = events.OfType<StepProfiled>().ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], profiled.Select(p => p.Step));
        Assert.All(profiled, p =>
        {
            Assert.Equal(StepPhases.All, p.PhaseMilliseconds.Keys);
            Assert.False(p.Skipped);
            Assert.All(p.PhaseMilliseconds.Values, ms => Assert.True(ms >= 0));
            foreach (var phase in new[] { StepPhases.Data, StepPhases.ForwardPolicy, StepPhases.ForwardReference, StepPhases.Backward, StepPhases.Optimizer })
                Assert.True(p.PhaseMilliseconds[phase] > 0, $"{phase} took no time at step {p.Step}");
            Assert.Equal(p.PhaseMilliseconds.Values.Sum(), p.TotalMilliseconds, 6);
        });

        var summary = events.OfType<ProfileSummarized>().Single();
        Assert.Equal(Path.Combine(_runDir, StepProfile.FileName), summary.Path);
        Assert.Equal((6, 3, 3), (summary.StepsProfiled, summary.WarmupStepsExcluded, summary.StepsInMedian));
        // Steps 4, 5 and 6: the median of three is the middle one.
        var backward = profiled.Skip(3).Select(p => p.PhaseMilliseconds[StepPhases.Backward]).Order().ToArray()[1];
        Assert.Equal(backward, summary.MedianPhaseMilliseconds[StepPhases.Backward], 9);

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(summary.Path));
        var medians = json.RootElement.GetProperty("median_ms");
        Assert.Equal([.. StepPhases.All, "total"], medians.EnumerateObject().Select(p => p.Name));
        Assert.Equal(backward, medians.GetProperty(StepPhases.Backward).GetDouble(), 9);
        Assert.Equal(3, json.RootElement.GetProperty("steps_in_median").GetInt32());
        Assert.Contains(events.OfType<LogMessage>(), m => m.Message.StartsWith("step profile", StringComparison.Ordinal) && m.Message.Contains(summary.Path));
    }

    [Fact]
    public void Given_profiling_off_When_a_run_trains_Then_nothing_is_profiled_and_no_profile_json_is_written()
    {
        using var run = NewRun(steps: 4);
        run.Trainer.Run(TestContext.Current.CancellationToken);
        var events = run.Drain();

        Assert.Equal(4, events.OfType<StepCompleted>().Count());
        Assert.Empty(events.OfType<StepProfiled>());
        Assert.Empty(events.OfType<ProfileSummarized>());
        Assert.False(File.Exists(Path.Combine(_runDir, StepProfile.FileName)));
    }

    [Fact]
    public void Given_profiling_and_steps_with_a_non_finite_loss_When_they_are_skipped_Then_they_are_profiled_as_skipped_and_left_out_of_the_medians()
    {
        using var run = NewRun(steps: 10, reference: new NaNReference(), maxNonFinite: 2, profile: true);
        run.Trainer.Run(TestContext.Current.CancellationToken);
        var events = run.Drain();

        var profiled = events.OfType<StepProfiled>().ToList();
        Assert.Equal([1, 2], profiled.Select(p => p.Step));
        Assert.All(profiled, p => Assert.True(p.Skipped));
        Assert.All(profiled, p => Assert.Equal(0, p.PhaseMilliseconds[StepPhases.Optimizer]));
        var summary = events.OfType<ProfileSummarized>().Single();
        Assert.Equal(0, summary.StepsInMedian);
        Assert.True(File.Exists(summary.Path));
    }

    [Fact]
    public void Given_no_clipping_When_a_step_runs_Then_grad_norm_is_the_l2_norm_of_all_gradients()
    {
        using var run = NewRun(steps: 1, maxGradNorm: 0);
        run.Trainer.Run(TestContext.Current.CancellationToken);
        var reported = run.Drain().OfType<StepCompleted>().Single().Metrics[DpoMetricNames.GradNorm];

        // Unclipped, the gradients of the only step are still in .grad after the run.
        var squares = run.Policy.parameters().Sum(p => p.grad!.to(ScalarType.Float64).square().sum().item<double>());
        Assert.Equal(Math.Sqrt(squares), reported, 5);
    }

    [Fact]
    public void Given_score_state_written_while_it_still_carried_theta0_When_a_workbench_loads_it_Then_fisher_is_restored_and_theta0_stays_the_runs()
    {
        using var policy = new TinyCausalLm(seed: 5);
        using var theta0 = new Theta0(policy.named_parameters().Select(p => new NamedTensor(p.name, p.parameter)));
        using var saved = Workbench(policy, Path.Combine(_runDir, "masks"), theta0);
        foreach (var p in policy.parameters()) p.grad = ones_like(p) * 0.5;
        saved.AccumulateGradients();
        using var current = new MemoryStream();
        saved.SaveState(current);

        // The older layout: the same entries plus theta0.<name> for every scored tensor (here deliberately not the run's θ0).
        current.Position = 0;
        var entries = new List<(string Name, Tensor Tensor)>();
        using (var reader = new BinaryReader(current, System.Text.Encoding.UTF8, leaveOpen: true))
            for (int i = 0, n = reader.ReadInt32(); i < n; i++) entries.Add((reader.ReadString(), Tensor.Load(reader)));
        var scored = policy.named_parameters().Where(p => p.parameter.dim() == 2).ToList();
        entries.AddRange(scored.Select(p => ($"theta0.{p.name}", full_like(p.parameter, 42f))));
        using var legacy = new MemoryStream();
        using (var writer = new BinaryWriter(legacy, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(entries.Count);
            foreach (var (name, tensor) in entries)
            {
                writer.Write(name);
                tensor.Save(writer);
            }
        }
        using var loaded = Workbench(policy, Path.Combine(_runDir, "masks"), theta0);

        legacy.Position = 0;
        loaded.LoadState(legacy, "checkpoints/step-4/scores-state.bin");

        Assert.NotEmpty(scored);
        foreach (var (name, _) in scored)
        {
            using var fisher = loaded.FisherScore(name);
            Assert.True(fisher!.allclose(full_like(fisher, 0.25f)), $"Fisher of {name}");
        }
        Assert.All(theta0.Names, name => Assert.True(theta0.Stored(name).allclose(policy.named_parameters().Single(p => p.name == name).parameter)));
    }
}
