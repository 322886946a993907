using DeltaTui.Core.IO;
using DeltaTui.Training.Masks;
using DeltaTui.Training.Optim;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Checkpoints;

/// <summary>
/// Checkpoint folders step-NNNNNNN under one parent. A checkpoint is written into a hidden temp
/// folder (every file fsynced), its manifest is written last, then the folder is renamed into
/// place and the parent fsynced: a crash at any point leaves either no checkpoint or a whole one.
/// Loading re-checks every file against the manifest, so a truncated file is never taken.
/// A training checkpoint holds the model, the optimizer, the score accumulators, the RNG and the trainer's
/// counters; the weights at step 0 (θ0) sit once beside the checkpoints in the run folder. Only this class
/// knows those files' names.
/// </summary>
public sealed class CheckpointStore(string directory, int keepLast = 2)
{
    /// <summary>The checkpoints' folder inside a run folder.</summary>
    public const string RunSubfolder = "checkpoints";
    public const string Theta0FileName = "theta0.bin";
    private const string ModelFile = "model.bin";
    private const string OptimizerFile = "optimizer.bin";
    private const string ScoresStateFile = "scores-state.bin";
    private const string TrainerStateFile = "trainer.json";
    private const string RngFile = "rng.bin";
    private const string Prefix = "step-";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The store of the run in <paramref name="runDirectory"/> (its checkpoints/ folder).</summary>
    public static CheckpointStore ForRun(string runDirectory) => new(Path.Combine(runDirectory, RunSubfolder));

    /// <summary>The run folder this store's checkpoints belong to.</summary>
    public string RunDirectory => Path.GetDirectoryName(Directory) ?? Directory;

    /// <summary>Saves a training checkpoint at <paramref name="state"/>.Step.</summary>
    /// <returns>The completed checkpoint folder.</returns>
    public string SaveTraining(TrainerCheckpointState state, nn.Module model, IOptimizerStep optimizer, IMaskWorkbench? masks) =>
        Save(state.Step, writer =>
        {
            writer.WriteFile(ModelFile, s =>
            {
                // Module.save(Stream) closes the stream; the writer must stay open for the fsync.
                using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                model.save(w);
                w.Flush();
            });
            writer.WriteFile(OptimizerFile, s =>
            {
                using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                optimizer.SaveState(w);
                w.Flush();
            });
            if (masks is not null) writer.WriteFile(ScoresStateFile, masks.SaveState);
            writer.WriteFile(RngFile, s =>
            {
                using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                using var rng = random.get_rng_state();
                rng.Save(w);
            });
            writer.WriteFile(TrainerStateFile, s => JsonSerializer.Serialize(s, state));
        });

    /// <summary>
    /// Restores model, optimizer, score accumulators and RNG from a verified checkpoint (verified again here).
    /// </summary>
    /// <returns>The trainer's counters at that checkpoint.</returns>
    public static TrainerCheckpointState RestoreTraining(string folder, nn.Module model, IOptimizerStep optimizer, IMaskWorkbench? masks)
    {
        if (Verify(folder) is { } problem)
            throw new InvalidDataException($"cannot resume from {folder}: {problem}");
        using (var stream = File.OpenRead(Path.Combine(folder, ModelFile)))
        using (var reader = new BinaryReader(stream)) model.load(reader);
        using (var stream = File.OpenRead(Path.Combine(folder, OptimizerFile)))
        using (var reader = new BinaryReader(stream)) optimizer.LoadState(reader);
        var scores = Path.Combine(folder, ScoresStateFile);
        if (masks is not null && File.Exists(scores)) using (var stream = File.OpenRead(scores)) masks.LoadState(stream, scores);
        using (var stream = File.OpenRead(Path.Combine(folder, RngFile)))
        using (var rng = Tensor.Load(new BinaryReader(stream))) random.set_rng_state(rng);
        return ReadState(folder);
    }

    /// <summary>The trainer's counters saved in a checkpoint.</summary>
    public static TrainerCheckpointState ReadState(string folder) =>
        JsonSerializer.Deserialize<TrainerCheckpointState>(File.ReadAllText(Path.Combine(folder, TrainerStateFile)))
            ?? throw new InvalidDataException($"{folder}/{TrainerStateFile} is empty");

    /// <summary>Writes θ0 (the weights at step 0) beside the checkpoints, durably.</summary>
    public void SaveTheta0(Theta0 theta0) => AtomicFile.Write(Path.Combine(RunDirectory, Theta0FileName), theta0.Save);

    /// <summary>Reads θ0 back from the run folder into <paramref name="theta0"/>.</summary>
    public void LoadTheta0(Theta0 theta0)
    {
        var path = Path.Combine(RunDirectory, Theta0FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"cannot resume: {path} (the weights at step 0) is missing", path);
        using var stream = File.OpenRead(path);
        theta0.Load(stream, path);
    }

    public static string FolderName(int step) => Prefix + step.ToString("D7", CultureInfo.InvariantCulture);

    /// <param name="writeFiles">Called with the folder to fill; each call of the file writer creates, writes and fsyncs one file.</param>
    /// <returns>The completed checkpoint folder.</returns>
    public string Save(int step, Action<CheckpointWriter> writeFiles)
    {
        var final = Path.Combine(Directory, FolderName(step));
        // A network filesystem may fail for a moment: the whole folder is written again, aside, then renamed.
        AtomicFile.Retrying(final, () => SaveOnce(step, final, writeFiles));
        Prune(keep: final);
        return final;
    }

    private void SaveOnce(int step, string final, Action<CheckpointWriter> writeFiles)
    {
        System.IO.Directory.CreateDirectory(Directory);
        // The one temp naming scheme of durable writes, so a leftover is recognised (and removed) as one.
        var temp = Path.Combine(Directory, AtomicFile.TempName(FolderName(step)));
        System.IO.Directory.CreateDirectory(temp);
        try
        {
            var writer = new CheckpointWriter(temp);
            writeFiles(writer);
            var manifest = new CheckpointManifest(CheckpointManifest.CurrentFormat, step, writer.Entries);
            writer.WriteFile(CheckpointManifest.FileName, s => JsonSerializer.Serialize(s, manifest, Json), listed: false);
            AtomicFile.SyncDirectory(temp);
            if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, recursive: true);
            System.IO.Directory.Move(temp, final);
            AtomicFile.SyncDirectory(Directory);
        }
        catch
        {
            try { System.IO.Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>The newest checkpoint whose manifest and files check out, or null; <paramref name="rejected"/> says why others were passed over.</summary>
    public string? FindLatestComplete(List<string>? rejected = null) => FindLatest(rejected)?.Path;

    /// <summary>As <see cref="FindLatestComplete"/>, with the result of its check.</summary>
    public (string Path, CheckpointCheck Check)? FindLatest(List<string>? rejected = null)
    {
        if (!System.IO.Directory.Exists(Directory)) return null;
        foreach (var folder in Candidates().OrderByDescending(c => c.Step))
        {
            var check = Check(folder.Path);
            if (check.Problem is null) return (folder.Path, check);
            rejected?.Add($"{folder.Path}: {check.Problem}");
        }
        return null;
    }

    /// <returns>Null when the checkpoint is complete and intact, otherwise what is wrong with it.</returns>
    public static string? Verify(string folder) => Check(folder).Problem;

    /// <summary>The SHA-256 check of a checkpoint's files against its manifest, in words.</summary>
    public static string Describe(CheckpointCheck check) => check.Problem is { } problem
        ? $"SHA-256 check failed: {problem}"
        : $"SHA-256 of all {check.FilesVerified} files matches the manifest";

    /// <returns>What is wrong with the checkpoint (null when nothing) and how many files were verified.</returns>
    public static CheckpointCheck Check(string folder)
    {
        var markerPath = Path.Combine(folder, CheckpointManifest.FileName);
        if (!File.Exists(markerPath)) return new CheckpointCheck($"no {CheckpointManifest.FileName} marker (the save was interrupted)", 0);
        CheckpointManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(markerPath)); }
        catch (JsonException e) { return new CheckpointCheck($"{CheckpointManifest.FileName} is not valid JSON ({e.Message})", 0); }
        if (manifest is null || manifest.Format != CheckpointManifest.CurrentFormat || manifest.Files is null)
            return new CheckpointCheck($"{CheckpointManifest.FileName} is not a {CheckpointManifest.CurrentFormat} manifest", 0);
        foreach (var entry in manifest.Files)
        {
            var path = Path.Combine(folder, entry.Name);
            if (!File.Exists(path)) return new CheckpointCheck($"{entry.Name} is missing", 0);
            var length = new FileInfo(path).Length;
            if (length != entry.Bytes) return new CheckpointCheck($"{entry.Name} has {length} bytes, the manifest says {entry.Bytes}", 0);
            using var stream = File.OpenRead(path);
            if (Convert.ToHexStringLower(SHA256.HashData(stream)) != entry.Sha256) return new CheckpointCheck($"{entry.Name} does not match its SHA-256 in the manifest", 0);
        }
        return new CheckpointCheck(null, manifest.Files.Count);
    }

    public static int StepOf(string folder) => JsonSerializer.Deserialize<CheckpointManifest>(
        File.ReadAllText(Path.Combine(folder, CheckpointManifest.FileName)))!.Step;

    private IEnumerable<(string Path, int Step)> Candidates()
    {
        foreach (var path in System.IO.Directory.EnumerateDirectories(Directory, Prefix + "*"))
            if (int.TryParse(Path.GetFileName(path).AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step))
                yield return (path, step);
    }

    private void Prune(string keep)
    {
        foreach (var old in Candidates().OrderByDescending(c => c.Step).Skip(keepLast))
            if (old.Path != keep)
                try { System.IO.Directory.Delete(old.Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The result of checking a checkpoint: what is wrong (null when nothing), and how many listed files matched.</summary>
public sealed record CheckpointCheck(string? Problem, int FilesVerified);

/// <summary>The trainer's counters in a checkpoint (trainer.json).</summary>
public sealed record TrainerCheckpointState(int Step, int TotalSteps, int TotalSkipped, int ConsecutiveSkipped, string RunName);

/// <summary>Writes the files of one checkpoint and records them for its manifest.</summary>
public sealed class CheckpointWriter(string folder)
{
    private readonly List<CheckpointFileEntry> _entries = [];

    public string Folder { get; } = folder;

    internal IReadOnlyList<CheckpointFileEntry> Entries => _entries;

    public void WriteFile(string name, Action<Stream> write) => WriteFile(name, write, listed: true);

    internal void WriteFile(string name, Action<Stream> write, bool listed)
    {
        var path = Path.Combine(Folder, name);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        if (!listed) return;
        using var read = File.OpenRead(path);
        _entries.Add(new CheckpointFileEntry(name, read.Length, Convert.ToHexStringLower(SHA256.HashData(read))));
    }
}
