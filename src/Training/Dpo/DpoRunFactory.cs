using DeltaTui.Training.Checkpoints;
using DeltaTui.Training.Models;
using DeltaTui.Torch.SafeTensors;
using System.Security.Cryptography;
using DeltaTui.Training.Config;
using DeltaTui.Training.Data;
using DeltaTui.Core.Events;
using DeltaTui.Training.Masks;
using DeltaTui.Gemma;
using DeltaTui.Training.Optim;
using DeltaTui.Training.Samples;
using DeltaTui.Formats.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Builds a ready-to-run trainer from resolved options: device, tokenizer, data, model (embedded
/// from the seed, or a Hugging Face snapshot), reference, optimizer, schedule and the masks layer,
/// and the run folder with its resolved config. With a run folder to resume, the latest intact
/// checkpoint is loaded after the reference has been built from the initial weights.
/// </summary>
public static class DpoRunFactory
{
    public const string ResolvedConfigFileName = "config.json";

    public static DpoRun Create(DeltaTuiOptions options, string runName, EventHub hub, TrainingControl control, bool resume)
    {
        RunPreflight.RequireModelFolder(options.Model);
        var device = ResolveDevice(options.Run.Device);
        random.manual_seed(options.Run.Seed);
        var runDirectory = Path.GetFullPath(Path.Combine(options.Run.OutputRoot, runName));
        Directory.CreateDirectory(runDirectory);
        var maskDirectory = Path.GetFullPath(Path.Combine(options.Masks.OutputDir, runName));
        var checkpoints = CheckpointStore.ForRun(runDirectory);
        string? checkpoint = null;
        if (resume)
        {
            // The resumed run's first line: which checkpoint, its step, and what the SHA-256 check of its files found.
            var rejected = new List<string>();
            var latest = checkpoints.FindLatest(rejected);
            if (latest is { } found)
            {
                checkpoint = found.Path;
                hub.Publish(new LogMessage(LogLevel.Info,
                    $"resuming from checkpoint {found.Path} at step {CheckpointStore.StepOf(found.Path)}: {CheckpointStore.Describe(found.Check)}"));
            }
            foreach (var reason in rejected) hub.Publish(new LogMessage(LogLevel.Warning, $"skipped checkpoint {reason}"));
            if (checkpoint is null)
                throw new InvalidOperationException($"{runDirectory} has no complete checkpoint to resume from{(rejected.Count > 0 ? ": " + string.Join("; ", rejected) : "")}");
        }
        // What a crash or kill left of a write (temp files, a checkpoint folder written aside) is removed before anything is written.
        foreach (var leftover in UnfinishedWrites.Remove([runDirectory, maskDirectory]))
            hub.Publish(new LogMessage(LogLevel.Warning, leftover.Describe()));
        if (!resume) ConfigJson.WriteAtomically(options with { Run = options.Run with { Name = runName } }, Path.Combine(runDirectory, ResolvedConfigFileName));

        var embedded = options.Model.Path == "embedded";
        var tokenizer = LoadTokenizer(options, embedded);
        var (trainPairs, evalPairs, dataFingerprint) = RunData.Load(options.Data, tokenizer, hub.Publish);
        var modelDType = ToScalarType(options.Model.DType);
        var gemma = embedded
            ? Gemma3ForCausalLM.CreateRandom(EmbeddedModel.Config(tokenizer.VocabSize), options.Run.Seed, modelDType, device)
            : Gemma3ForCausalLM.FromPretrained(options.Model.Path, modelDType, device);
        gemma.GradientCheckpointing = options.Model.GradientCheckpointing;
        gemma.NativeLogProbs = options.Model.NativeLogprobs;
        gemma.NativeRmsNorm = options.Model.NativeRmsnorm;
        var modelId = embedded ? EmbeddedModel.Id : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Model.Path)));
        var policy = new Gemma3PolicyModel(gemma, options.Model.LogprobChunkSize, modelId);

        var batches = new PositionalBatchSource(trainPairs, evalPairs, options.Training.BatchSize, options.Training.GradAccumulation,
            options.Data.ShuffleSeed, tokenizer.PadId, device, dataFingerprint);

        IReferenceModel reference, evalReference;
        if (options.Dpo.Reference == ReferenceMode.Frozen)
        {
            reference = evalReference = new FrozenCopyReference(policy.CloneFrozen());
        }
        else
        {
            var modelFingerprint = ModelFingerprint(gemma);
            var cache = options.Dpo.ReferenceCacheDir;
            reference = PrecomputedReference.LoadOrCompute(cache, modelFingerprint, dataFingerprint, "train", trainPairs.Count, policy, batches.AllTrainBatches, device);
            evalReference = PrecomputedReference.LoadOrCompute(cache, modelFingerprint, dataFingerprint, "eval", evalPairs.Count, policy, batches.EvalBatches, device);
        }

        var named = gemma.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        // One θ0 for the weight deltas and the Magnitude score, in the weights' dtype; a resume overwrites it from theta0.bin.
        var theta0 = new Theta0(named.Select(p => new NamedTensor(p.name, p.parameter)));
        var o = options.Optimizer;
        // Below density 1 the selector picks the blocks from the first gradient, before the first update: starting
        // with none active spares the moments and master copy of every block (12 bytes per weight, 3.2 GB on
        // Gemma-3-270m) that would exist only until then, and the memory peak they made at step 0.
        // At density 1 every block stays active (the dense path); selection would only cost time.
        var selectsBlocks = o.Type == OptimizerType.BsrAdamW && (o.BsrDensity < 1 || o.ActiveFrom is not null);
        var initialLayouts = selectsBlocks
            ? named.Where(p => p.parameter.ndim == 2)
                .ToDictionary(p => p.name, p => BlockLayout.Empty(p.parameter.shape[0], p.parameter.shape[1], o.BsrBlockSize))
            : null;
        MaskSet? activeFrom = null;
        if (selectsBlocks && o.ActiveFrom is { } activeFromPath)
        {
            activeFrom = MaskFile.Load(activeFromPath, named.ToDictionary(p => p.name, p => p.parameter.shape)).Masks;
            var pooled = ActiveFromMask.PoolToBlocks(activeFrom, named.Where(p => p.parameter.ndim == 2).Select(p => (p.name, p.parameter.shape)), o.BsrBlockSize, o.BsrDensity);
            foreach (var (name, blockMask) in pooled)
                using (blockMask) initialLayouts![name] = BlockLayout.FromBlockMask(initialLayouts[name].Rows, initialLayouts[name].Cols, o.BsrBlockSize, blockMask);
            long active = initialLayouts!.Values.Sum(l => (long)l.ActiveBlocks), total = initialLayouts.Values.Sum(l => l.TotalBlocks);
            hub.Publish(new LogMessage(LogLevel.Info, $"active blocks from {activeFromPath}: {active} of {total} ({(double)active / total:P1}); " +
                (o.ReselectEvery > 0 ? $"Fisher re-selects every {o.ReselectEvery} steps" : "fixed for the run")));
            hub.Publish(new ActiveSetSelected(0, active, total, null, null, null, $"optimizer.active_from {Path.GetFileName(activeFromPath)}"));
        }
        var optimizer = OptimizerFactory.Create(
            o.Type == OptimizerType.BsrAdamW ? OptimizerFactory.BsrAdamW : OptimizerFactory.AdamW, named,
            new BsrAdamWOptions(o.Betas[0], o.Betas[1], o.Eps, o.WeightDecay, Seed: (ulong)options.Run.Seed), o.BsrBlockSize, initialLayouts,
            out var optimizerNote);
        if (optimizerNote is not null) hub.Publish(new LogMessage(LogLevel.Warning, optimizerNote));

        var workbench = new MaskWorkbench(named, new ScoreParticipation(options.Masks.IncludeEmbeddings), options.Masks, optimizer.MomentumScore,
            maskDirectory, modelId, theta0, optimizer.Gradients);

        var totalSteps = options.Training.Steps > 0
            ? options.Training.Steps
            : Math.Max(1, (int)Math.Ceiling(options.Training.Epochs * batches.BatchesPerEpoch / options.Training.GradAccumulation));
        var schedule = LearningRateScheduler.From(o, totalSteps);
        schedule.Validate();

        var trainerOptions = new DpoTrainerOptions
        {
            RunName = runName,
            RunDirectory = runDirectory,
            FinalModelDirectory = FinalModelDirectory(options, runName),
            TotalSteps = totalSteps,
            GradAccumulation = options.Training.GradAccumulation,
            Loss = new DpoLossOptions(options.Dpo.Loss, options.Dpo.Beta, options.Dpo.LabelSmoothing),
            LearningRate = step => schedule.At(step),
            MaxGradNorm = o.MaxGradNorm,
            EvalEvery = options.Training.EvalEvery,
            LogEvery = options.Training.LogEvery,
            MaxConsecutiveNonFinite = options.Training.MaxConsecutiveNonFinite,
            DeltaInterval = options.Delta.DeltaInterval,
            DeltaTolerance = options.Delta.Tol,
            MaskInterval = options.Masks.MaskInterval,
            CheckpointEvery = options.Checkpoint.SaveEvery,
            ScoreSaveInterval = options.Scores.SaveInterval,
            DebugJaccard = options.Debug.Jaccard,
            Device = device.ToString(),
            OptimizerName = optimizer.Name,
            Profile = options.Training.Profile,
            OverlapReference = options.Dpo.OverlapReference && options.Dpo.Reference == ReferenceMode.Frozen && device.type == DeviceType.CUDA,
        };
        var blocks = selectsBlocks && optimizer is BsrAdamWStep bsr
            ? new ActiveBlockSelector(bsr, o.BsrDensity, o.ReselectEvery, workbench.FisherScore, initialSetGiven: activeFrom is not null)
            : null;
        var samples = options.Training.EvalSamples > 0 && evalPairs.Count > 0
            ? new TrainingSamples(evalPairs, options.Training.EvalSamples, options.Training.SampleMaxNewTokens, tokenizer, gemma,
                Gemma3GenerationConfig.EosTokenIds(embedded ? null : options.Model.Path, gemma.Config))
            : null;
        if (blocks is not null)
            workbench.Sparse = new SparseRunIou(blocks.ActiveElementMasks, activeFrom, note => hub.Publish(new LogMessage(LogLevel.Warning, note)));
        var trainer = new DpoTrainer(trainerOptions, policy, reference, batches, optimizer, hub, control, workbench, evalReference, blocks, theta0, samples);
        var run = new DpoRun(trainer, policy, reference, evalReference, optimizer, workbench, theta0, runDirectory) { DataFingerprint = dataFingerprint };
        if (checkpoint is not null)
        {
            try
            {
                trainer.Resume(checkpoint);
            }
            catch
            {
                run.Dispose();
                throw;
            }
        }
        return run;
    }

    /// <summary>final_checkpoint/&lt;name&gt; beside the runs folder (so ./final_checkpoint with the default ./runs).</summary>
    public static string FinalModelDirectory(DeltaTuiOptions options, string runName)
    {
        var runs = Path.GetFullPath(options.Run.OutputRoot);
        return Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(runs)) ?? runs, "final_checkpoint", runName);
    }

    public static Device ResolveDevice(string name) => name switch
    {
        "auto" => cuda.is_available() ? CUDA : CPU,
        _ => new Device(name),
    };

    private static ScalarType ToScalarType(TensorDType dtype) => dtype switch
    {
        TensorDType.BFloat16 => ScalarType.BFloat16,
        TensorDType.Float16 => ScalarType.Float16,
        _ => ScalarType.Float32,
    };

    private static ITokenizer LoadTokenizer(DeltaTuiOptions options, bool embeddedModel)
    {
        var path = options.Tokenizer.Path;
        if (path == "byte" || (path == "auto" && embeddedModel)) return new ByteTokenizer();
        if (path == "auto") path = Path.Combine(options.Model.Path, "tokenizer.json");
        return Gemma3Tokenizer.Load(path);
    }

    /// <summary>SHA-256 over the config and every weight's name, shape, dtype and bytes: the key of cached reference log-probs.</summary>
    public static string ModelFingerprint(Gemma3ForCausalLM model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(model.Config.ToString()));
        foreach (var (name, parameter) in model.named_parameters())
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}:{string.Join(",", parameter.shape)}:{parameter.dtype}"));
            using var cpu = parameter.detach().cpu().contiguous();
            hash.AppendData(cpu.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
