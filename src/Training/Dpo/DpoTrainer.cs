using DeltaTui.Training.Checkpoints;
using DeltaTui.Training.Deltas;
using DeltaTui.Training.Models;
using DeltaTui.Training.Sinks;
using DeltaTui.Torch.Runtime;
using DeltaTui.Training.Config;
using System.Diagnostics;
using DeltaTui.Core.Events;
using DeltaTui.Training.Masks;
using DeltaTui.Gemma;
using DeltaTui.Training.Optim;
using DeltaTui.Training.Samples;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// The DPO loop: per optimizer step, gradient-accumulated micro-batches, each scored by the policy
/// in one forward over [chosen; rejected] against the reference; non-finite steps skipped; weight
/// deltas, scores, live mask IoU, evaluation and checkpoints at their intervals. Everything it
/// does is published on the <see cref="EventHub"/>; front ends reach it only through
/// <see cref="TrainingControl"/> and the cancellation token (which acts as a stop request).
/// The trainer waits for the device once per step: statistics and gradient norm accumulate on it
/// across micro-batches and are read back together, because whether the optimizer may apply the
/// step depends on them being finite (the dense optimizer then clips with that norm on the device).
/// With training.profile each phase of a step is timed (<see cref="StepPhaseTimer"/>).
/// </summary>
public sealed class DpoTrainer : IDisposable
{
    private readonly DpoTrainerOptions _options;
    private readonly ICausalLanguageModel _policy;
    private readonly IReferenceModel _reference;
    private readonly IReferenceModel _evalReference;
    private readonly IDpoBatchSource _data;
    private readonly IOptimizerStep _optimizer;
    private readonly EventHub _hub;
    private readonly TrainingControl _control;
    private readonly IMaskWorkbench? _masks;
    private readonly ActiveBlockSelector? _blocks;
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly WeightDeltaTracker _delta;
    private readonly CheckpointStore _checkpoints;
    private readonly Device _device;
    private readonly StepPhaseTimer _timer;
    private readonly StepProfile? _profile;
    private readonly TrainingSamples? _samples;
    private readonly List<string> _savedFiles = [];
    private int _step;
    private int _totalSkipped;
    private int _consecutiveSkipped;
    private int _lastEvalStep = -1;
    private int _lastMaskStep = -1;
    private int _lastDeltaStep = -1;
    private readonly LiveIouSchedule _live;

    public DpoTrainer(
        DpoTrainerOptions options, ICausalLanguageModel policy, IReferenceModel reference, IDpoBatchSource data,
        IOptimizerStep optimizer, EventHub hub, TrainingControl control, IMaskWorkbench? masks = null, IReferenceModel? evalReference = null,
        ActiveBlockSelector? blocks = null, Theta0? theta0 = null, TrainingSamples? samples = null)
    {
        options.Validate();
        _options = options;
        _policy = policy;
        _reference = reference;
        _evalReference = evalReference ?? reference;
        _data = data;
        _optimizer = optimizer;
        _hub = hub;
        _control = control;
        _masks = masks;
        _blocks = blocks;
        _samples = samples is { Count: > 0 } ? samples : null;
        _parameters = policy.Module.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        _delta = new WeightDeltaTracker(_parameters, options.DeltaTolerance, theta0);
        _device = _parameters.Count > 0 ? _parameters[0].Parameter.device : CPU;
        _timer = new StepPhaseTimer(options.Profile, _device);
        _profile = options.Profile ? new StepProfile() : null;
        _checkpoints = CheckpointStore.ForRun(options.RunDirectory);
        _live = new LiveIouSchedule(options.DebugJaccard, options.MaskInterval);
        Directory.CreateDirectory(options.RunDirectory);
    }

    /// <summary>Optimizer steps completed (skipped ones included: the data position moves on).</summary>
    public int Step => _step;

    public WeightDeltaTracker Delta => _delta;

    public CheckpointStore Checkpoints => _checkpoints;

    /// <summary>
    /// Restores model, optimizer, score accumulators, RNG and data position from a verified checkpoint,
    /// and θ0 from the run folder. The reference must already hold the initial weights.
    /// </summary>
    public void Resume(string checkpointFolder)
    {
        var state = CheckpointStore.RestoreTraining(checkpointFolder, _policy.Module, _optimizer, _masks);
        _checkpoints.LoadTheta0(_delta.Origin);
        _step = state.Step;
        _totalSkipped = state.TotalSkipped;
        _consecutiveSkipped = state.ConsecutiveSkipped;
        Log(LogLevel.Info, $"resumed from {checkpointFolder} at step {_step}");
    }

    public TrainingOutcome Run(CancellationToken cancellationToken = default)
    {
        var parameterCount = _parameters.Sum(p => p.Parameter.numel());
        _hub.Publish(new RunStarted(_options.RunName, _policy.ModelId, _options.Device, _options.TotalSteps, _options.RunDirectory,
            parameterCount, _options.OptimizerName, _options.Loss.Type.ToName()));
        if (_step == 0) SaveTheta0();
        _hub.Publish(new RunStateChanged(RunState.Running));
        // Before any update the policy holds the reference's weights: one generation gives both (the reference never changes).
        if (_step == 0) GenerateSamples(alsoAsReference: true);
        _policy.Module.train();
        try
        {
            var end = TrainingEnd.Completed;
            string message;
            while (_step < _options.TotalSteps)
            {
                if (_control.IsPaused)
                {
                    _hub.Publish(new RunStateChanged(RunState.Paused));
                    // Woken by IoU requests too: the Jaccard pane can be filled while paused.
                    while (_control.IsPaused && !_control.StopRequested && !cancellationToken.IsCancellationRequested)
                    {
                        _control.WaitWhilePaused(cancellationToken);
                        ApplyLiveIouRequests();
                    }
                    if (!_control.StopRequested && !cancellationToken.IsCancellationRequested) _hub.Publish(new RunStateChanged(RunState.Running));
                }
                if (_control.StopRequested || cancellationToken.IsCancellationRequested) { end = TrainingEnd.Stopped; break; }
                if (_control.TakeSaveMasksRequest()) SaveMasks();

                _timer.Begin();
                // Lapped only when there was work, so the phase is exactly 0 while per-tensor IoU is not requested.
                if (ApplyLiveIouRequests()) _timer.Lap(StepPhases.LiveIou);
                var skipped = TrainOneStep();
                if (!skipped)
                {
                    AfterStep();
                    _timer.Lap(StepPhases.AfterStep);
                }
                if (_profile is not null) RecordProfile(skipped);
                if (skipped && _consecutiveSkipped >= _options.MaxConsecutiveNonFinite) { end = TrainingEnd.Diverged; break; }
            }
            if (_profile is not null) SummarizeProfile();

            if (end == TrainingEnd.Diverged)
            {
                message = $"stopped after {_consecutiveSkipped} consecutive steps with a non-finite loss or gradient (training.max_consecutive_nonfinite = {_options.MaxConsecutiveNonFinite}); the last good state is saved. Lower optimizer.lr or check the data.";
                Log(LogLevel.Error, message);
                var checkpoint = SaveCheckpoint();
                _hub.Publish(new RunFailed(_step, message));
                return new TrainingOutcome(end, _step, checkpoint, [.. _savedFiles], message);
            }

            if (end == TrainingEnd.Stopped) _hub.Publish(new RunStateChanged(RunState.Stopping, $"stop requested at step {_step}"));
            else if (_lastEvalStep != _step) Evaluate();
            var final = SaveEverything(end == TrainingEnd.Completed);
            message = end == TrainingEnd.Stopped ? $"stopped at step {_step}; saved masks, scores and checkpoint" : $"finished {_step} steps";
            _hub.Publish(new RunStateChanged(RunState.Saved, message));
            _hub.Publish(new RunFinished(_step, _options.RunDirectory, [.. _savedFiles], end == TrainingEnd.Stopped));
            return new TrainingOutcome(end, _step, final, [.. _savedFiles], message);
        }
        catch (Exception e)
        {
            _hub.Publish(new RunFailed(_step, e.Message));
            throw;
        }
    }

    /// <returns>True when the step was skipped for a non-finite loss or gradient.</returns>
    private bool TrainOneStep()
    {
        var stopwatch = Stopwatch.StartNew();
        var learningRate = _options.LearningRate(_step);
        _optimizer.ZeroGrad();
        long tokens = 0;
        var pairs = 0;
        float[] readback;
        Tensor gradNorm;
        using (var scope = NewDisposeScope())
        {
            Tensor? sums = null;
            for (var micro = 0; micro < _options.GradAccumulation; micro++)
            {
                using var batch = _data.TrainBatch(_step, micro);
                _timer.Lap(StepPhases.Data);
                using var microScope = NewDisposeScope();
                var (logProbs, result) = Score(batch, _reference, _timer);
                using (result)
                {
                    var batchSums = DpoBatchStatistics.Sums(result, logProbs);
                    sums = (sums is null ? batchSums : sums.Plus(batchSums)).MoveToOuterDisposeScope();
                    _timer.Lap(StepPhases.Loss);
                    (result.Losses.mean() / Scalars.Of(_options.GradAccumulation)).backward();
                    _policy.ReleaseReturnedGradients();
                    _timer.Lap(StepPhases.Backward);
                }
                pairs += batch.Pairs;
                tokens += batch.TokenCount;
            }
            // The optimizer clips with this norm after the scope has ended.
            // One pass in the native optimizer where it covers every gradient, else one norm per tensor.
            var norm = _optimizer.Gradients.GlobalGradNorm() ?? GlobalGradNorm(sums!.device);
            gradNorm = norm.DetachFromDisposeScope();
            // The step's one host sync: the skip decision needs to know the loss and gradients are finite.
            readback = cat([sums!, gradNorm.unsqueeze(0)]).cpu().data<float>().ToArray();
            _timer.Lap(StepPhases.GradNorm);
        }

        using (gradNorm)
        {
            if (!readback.All(float.IsFinite))
            {
                _optimizer.ZeroGrad();
                _step++;
                _consecutiveSkipped++;
                _totalSkipped++;
                var reason = float.IsFinite(readback[0]) ? "non-finite gradient norm" : "non-finite loss";
                _hub.Publish(new StepSkipped(_step, reason, _consecutiveSkipped, _totalSkipped));
                _timer.Lap(StepPhases.Publish);
                return true;
            }

            // Fisher takes the raw minibatch gradient; clipping happens inside the optimizer step.
            _masks?.AccumulateGradients();
            _timer.Lap(StepPhases.MaskScores);

            // Outside the step's dispose scope: the optimizer keeps the moment tensors a selection creates.
            if (_blocks is not null && _blocks.IsDue(_step, _optimizer.StepCount)) SelectBlocks();
            var applied = _optimizer.Step(learningRate, _options.MaxGradNorm, gradNorm);
            _timer.Lap(StepPhases.Optimizer);
            if (!applied.Applied)
            {
                // The optimizer saw what our check did not (e.g. a non-finite value in an active block only).
                _optimizer.ZeroGrad();
                _step++;
                _consecutiveSkipped++;
                _totalSkipped++;
                _hub.Publish(new StepSkipped(_step, "the optimizer found a non-finite gradient", _consecutiveSkipped, _totalSkipped));
                _timer.Lap(StepPhases.Publish);
                return true;
            }
        }
        _masks?.AfterOptimizerStep();
        _consecutiveSkipped = 0;
        _step++;
        if (_step % _options.LogEvery == 0 || _step == _options.TotalSteps)
        {
            var metrics = DpoBatchStatistics.ToMetrics(readback.AsSpan(0, DpoMetricNames.PairAveraged.Count), pairs);
            metrics[DpoMetricNames.GradNorm] = readback[^1];
            metrics[DpoMetricNames.LearningRate] = learningRate;
            metrics[DpoMetricNames.TokensPerSecond] = tokens / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-9);
            _hub.Publish(new StepCompleted(_step, _options.TotalSteps, metrics));
        }
        _timer.Lap(StepPhases.Publish);
        return false;
    }

    private void SelectBlocks()
    {
        var (active, total, churn) = _blocks!.Select(_step);
        var reason = _optimizer.StepCount == 0
            ? $"first selection, from the gradient |g|, density {_blocks.Density}"
            : $"re-selection every {_blocks.ReselectEvery} steps, from the Fisher score, density {_blocks.Density}" +
              (churn is { } c ? $"; IoU with the previous set {c.Iou:0.000}, {c.In} in, {c.Out} out" : "");
        _hub.Publish(new BlocksSelected(_step, active, reason));
        _hub.Publish(new ActiveSetSelected(_step, active.Values.Sum(), total, churn?.In, churn?.Out, churn?.Iou, _step == 0 ? "first gradient |g|" : "Fisher"));
    }

    /// <param name="timer">Charged with the two forward passes during training; null during evaluation (its time belongs to after_step).</param>
    private (DpoLogProbs LogProbs, DpoLossResult Result) Score(DpoBatch batch, IReferenceModel reference, StepPhaseTimer? timer = null)
    {
        var b = batch.Pairs;
        Tensor policyLogProbs, referenceLogProbs;
        if (_options.OverlapReference && ReferenceEquals(reference, _reference))
        {
            // Both forwards are issued at once; forward_policy then holds the overlapped time and
            // forward_reference only what the reference needed beyond it.
            var pending = new ReferenceOverlap(reference).Start(batch);
            try
            {
                policyLogProbs = _policy.CompletionLogProbs(batch.InputIds, batch.AttentionMask, batch.CompletionMask).to(ScalarType.Float32);
            }
            catch
            {
                pending.Abandon();
                throw;
            }
            timer?.Lap(StepPhases.ForwardPolicy);
            referenceLogProbs = pending.Wait().to(policyLogProbs.device);
        }
        else
        {
            policyLogProbs = _policy.CompletionLogProbs(batch.InputIds, batch.AttentionMask, batch.CompletionMask).to(ScalarType.Float32);
            timer?.Lap(StepPhases.ForwardPolicy);
            referenceLogProbs = reference.LogProbs(batch).to(policyLogProbs.device);
        }
        timer?.Lap(StepPhases.ForwardReference);
        var counts = batch.CompletionMask.sum(1).to(ScalarType.Float32);
        var logProbs = new DpoLogProbs(
            policyLogProbs.narrow(0, 0, b), policyLogProbs.narrow(0, b, b),
            referenceLogProbs.narrow(0, 0, b), referenceLogProbs.narrow(0, b, b),
            counts.narrow(0, 0, b), counts.narrow(0, b, b));
        return (logProbs, DpoLoss.Compute(_options.Loss, logProbs));
    }

    /// <summary>
    /// ‖g‖₂ over all gradients as an fp32 scalar on <paramref name="device"/>, with no host sync. TorchSharp has no
    /// _foreach_norm, so it is one norm kernel per tensor (fp32 and bf16 gradients read in place, accumulating in
    /// fp32; fp16 ones upcast first, as their range would overflow), the per-tensor norms stacked once per dtype
    /// and reduced once. As with torch.nn.utils.clip_grad_norm_, a bf16 tensor's norm is rounded to bf16.
    /// Tensor.norm rather than linalg.vector_norm: the latter hands libtorch a temporary Scalar for the order that
    /// nothing keeps alive, and a garbage collection during the call can free it under libtorch's feet.
    /// </summary>
    private Tensor GlobalGradNorm(Device device)
    {
        using var noGrad = no_grad();
        var grads = _parameters.Select(p => p.Parameter.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return zeros(Array.Empty<long>(), ScalarType.Float32, device);
        var norms = grads.GroupBy(g => g.dtype)
            .Select(group => stack(group.Select(g => (g.dtype is ScalarType.Float16 ? g.to(ScalarType.Float32) : g).norm()).ToArray())
                .to(ScalarType.Float32))
            .ToArray();
        return (norms.Length == 1 ? norms[0] : cat(norms)).norm().to(device);
    }

    private void RecordProfile(bool skipped)
    {
        var (phases, total) = _timer.Snapshot();
        var profiled = new StepProfiled(_step, skipped, phases, total);
        _profile!.Add(profiled);
        _hub.Publish(profiled);
    }

    private void SummarizeProfile()
    {
        if (_profile!.Steps.Count == 0) return;
        // A sink writes profile.json from the summary (ProfileSink).
        var summary = _profile.Summarize(Path.Combine(_options.RunDirectory, StepProfile.FileName));
        _hub.Publish(summary);
        Log(LogLevel.Info, StepProfile.Describe(summary));
    }

    private void AfterStep()
    {
        if (_options.DeltaInterval > 0 && _step % _options.DeltaInterval == 0) MeasureDelta();
        if (_live.IsDue(_step)) CompareMasks();
        if (_options.EvalEvery > 0 && _step % _options.EvalEvery == 0) Evaluate();
        if (_options.ScoreSaveInterval > 0 && _step % _options.ScoreSaveInterval == 0) SaveScores();
        if (_options.CheckpointEvery > 0 && _step % _options.CheckpointEvery == 0 && _step < _options.TotalSteps) SaveCheckpoint();
    }

    public IReadOnlyDictionary<string, double>? Evaluate()
    {
        if (_data.EvalPairCount == 0) return null;
        _lastEvalStep = _step;
        _policy.Module.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            Tensor? sums = null;
            var pairs = 0;
            foreach (var batch in _data.EvalBatches())
            {
                using (batch)
                {
                    var (logProbs, result) = Score(batch, _evalReference);
                    using (result)
                    {
                        var batchSums = DpoBatchStatistics.Sums(result, logProbs);
                        sums = sums is null ? batchSums : sums.Plus(batchSums);
                    }
                    pairs += batch.Pairs;
                }
            }
            if (sums is null || pairs == 0) return null;
            var metrics = DpoBatchStatistics.ToMetrics(sums.cpu().data<float>().ToArray(), pairs, DpoMetricNames.EvalPrefix);
            _hub.Publish(new EvalCompleted(_step, metrics));
            _timer.Lap(StepPhases.AfterStep);
            GenerateSamples(alsoAsReference: false);
            _timer.Lap(StepPhases.Samples);
            return metrics;
        }
        finally
        {
            _policy.Module.train();
        }
    }

    /// <summary>
    /// The policy's greedy completions of the held-out sample prompts (training.eval_samples), published as
    /// <see cref="SamplesGenerated"/>. A prompt the model cannot complete is reported, never allowed to stop training.
    /// </summary>
    private void GenerateSamples(bool alsoAsReference)
    {
        if (_samples is null) return;
        _policy.Module.eval();
        try
        {
            var generated = _samples.Generate(_step, alsoAsReference);
            _hub.Publish(generated);
            Log(LogLevel.Info, $"samples at step {_step}: {_samples.Count} prompt(s) completed in {generated.Milliseconds:0} ms");
        }
        catch (GenerationException e)
        {
            Log(LogLevel.Warning, $"samples at step {_step} skipped: {e.Message}; lower training.eval_samples or set it to 0");
        }
    }

    private void MeasureDelta()
    {
        _lastDeltaStep = _step;
        // A sink appends it to delta_log.jsonl (DeltaLogSink).
        _hub.Publish(_delta.Measure(_step));
    }

    private void CompareMasks()
    {
        if (_masks is null) return;
        _lastMaskStep = _step;
        try
        {
            _hub.Publish(_masks.Compare(_step, _live.PerTensor));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The IoU is a diagnostic: its failure is reported, never allowed to stop training.
            _hub.Publish(new IouFailed(_step, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    /// <summary>Per-tensor IoU on or off, mask interval: requests from the control, acted on between steps.</summary>
    /// <returns>Whether there was a request to act on.</returns>
    private bool ApplyLiveIouRequests()
    {
        var perTensor = _control.TakePerTensorIouRequest();
        var interval = _control.TakeMaskIntervalRequest();
        if (perTensor is null && interval is null) return false;
        var compareNow = _live.Apply(perTensor, interval);
        if (interval is int n) Log(LogLevel.Info, $"mask interval set to {n} steps");
        if (perTensor is bool on) Log(LogLevel.Info, on ? $"per-tensor IoU on (now, then every {_live.MaskInterval} steps)" : "per-tensor IoU off");
        if (compareNow && _masks is not null) CompareMasks();
        return true;
    }

    private void SaveMasks()
    {
        if (_masks is null) return;
        try
        {
            foreach (var (method, path) in _masks.SaveMasks(_step))
            {
                _savedFiles.Add(path);
                _hub.Publish(new MaskSaved(_step, method, path, _masks.Sparsity));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Log(LogLevel.Error, $"saving masks at step {_step} failed: {e.Message}");
        }
    }

    private void SaveScores()
    {
        if (_masks is null) return;
        var path = _masks.SaveScores(_step, _options.RunDirectory);
        _savedFiles.Add(path);
        Log(LogLevel.Info, $"saved scores at step {_step}: {path}");
    }

    private string SaveEverything(bool includeFinalModel)
    {
        if (_options.DeltaInterval > 0 && _step > 0 && _lastDeltaStep != _step) MeasureDelta();
        if (_lastMaskStep != _step) CompareMasks();
        SaveMasks();
        SaveScores();
        var checkpoint = SaveCheckpoint();
        if (includeFinalModel && _options.FinalModelDirectory is { } final)
        {
            _policy.SavePretrained(final);
            _savedFiles.Add(final);
            Log(LogLevel.Info, $"saved the final model in Hugging Face layout: {final}");
        }
        return checkpoint;
    }

    public string SaveCheckpoint()
    {
        var folder = _checkpoints.SaveTraining(
            new TrainerCheckpointState(_step, _options.TotalSteps, _totalSkipped, _consecutiveSkipped, _options.RunName),
            _policy.Module, _optimizer, _masks);
        _savedFiles.Add(folder);
        _hub.Publish(new CheckpointSaved(_step, folder));
        return folder;
    }

    private void SaveTheta0() => _checkpoints.SaveTheta0(_delta.Origin);

    private void Log(LogLevel level, string message) => _hub.Publish(new LogMessage(level, message));

    public void Dispose() => _delta.Dispose();
}
