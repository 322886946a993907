using System.Globalization;
using DeltaTui.Formats.SafeTensors;
using DeltaTui.Formats.Tokenization;
using DeltaTui.Gemma;
using DeltaTui.Training.Config;
using DeltaTui.Training.Data;
using DeltaTui.Training.Models;

namespace DeltaTui.Training.Dpo;

/// <summary>One thing a run will open, checked without starting it; <see cref="Detail"/> says what was found or what to change.</summary>
public sealed record PreflightCheck(string Name, bool Passed, string Detail);

/// <summary>A run cannot start: the message names the config key and what to change.</summary>
public sealed class RunSetupException(string message) : Exception(message);

/// <summary>
/// What a run with given options will open, checked the way the run opens it but without building anything: the model
/// folder (config.json parses; every safetensors header is valid and complete, the file as long as its offsets say;
/// the tensors are those the config makes, with their shapes), the tokenizer, the first rows of the data, and the
/// output folders (writable, with room for the checkpoints the run will keep). <c>deltatui doctor</c> shows these;
/// the run itself uses <see cref="RequireModelFolder"/> so that a missing folder is named as <c>model.path</c>.
/// </summary>
public static class RunPreflight
{
    /// <summary>Rows of each data file that are parsed and tokenised.</summary>
    public const int DataRowsChecked = 20;

    /// <summary>Checkpoint folders on disk at the peak: the ones kept and the one being written.</summary>
    public const int CheckpointsOnDiskAtPeak = 3;

    public static IReadOnlyList<PreflightCheck> Check(DeltaTuiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new List<PreflightCheck>();
        var model = CheckModel(options.Model, out var modelConfig);
        checks.Add(model);
        var tokenizer = CheckTokenizer(options, out var loaded);
        checks.Add(tokenizer);
        checks.Add(CheckData("data", options.Data.Path, options, loaded));
        if (options.Data.EvalPath is { } evalPath) checks.Add(CheckData("eval data", evalPath, options, loaded));
        var parameters = modelConfig?.ParameterCount()
            ?? (options.Model.Path == "embedded" ? EmbeddedModel.Config((loaded ?? new ByteTokenizer()).VocabSize).ParameterCount() : (long?)null);
        checks.Add(CheckOutputs(options, parameters));
        return checks;
    }

    /// <summary>Throws a <see cref="RunSetupException"/> naming <c>model.path</c> when it is not a snapshot folder.</summary>
    public static void RequireModelFolder(ModelOptions model)
    {
        if (model.Path == "embedded") return;
        if (MissingModelFolder(model.Path) is { } problem) throw new RunSetupException(problem);
    }

    private static string? MissingModelFolder(string path)
    {
        if (!Directory.Exists(path))
            return File.Exists(path)
                ? $"model.path '{path}' is a file, not a folder: name the Hugging Face snapshot folder that holds config.json and model.safetensors ({SuggestedOverrides.ModelPath})"
                : $"model.path '{path}' does not exist: name a local Hugging Face snapshot folder of google/gemma-3-270m-it ({SuggestedOverrides.ModelPath}), or train the tiny demo model ({SuggestedOverrides.EmbeddedModel})";
        var config = Path.Combine(path, Gemma3ForCausalLM.ConfigFileName);
        return File.Exists(config)
            ? null
            : $"model.path '{path}' has no {Gemma3ForCausalLM.ConfigFileName}: it must be a Hugging Face snapshot folder (config.json, model.safetensors, tokenizer.json), e.g. {SuggestedOverrides.ModelPath}";
    }

    private static PreflightCheck CheckModel(ModelOptions options, out Gemma3Config? config)
    {
        const string name = "model";
        config = null;
        if (options.Path == "embedded") return new PreflightCheck(name, true, "embedded tiny Gemma-3 (seeded; nothing to open)");
        if (MissingModelFolder(options.Path) is { } missing) return new PreflightCheck(name, false, missing);

        var configPath = Path.Combine(options.Path, Gemma3ForCausalLM.ConfigFileName);
        try
        {
            config = Gemma3ConfigJson.Read(configPath);
            config.Validate(configPath);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            config = null;
            return new PreflightCheck(name, false, $"model.path: {e.Message}; the snapshot's config.json must be a Gemma-3 text config (re-download it)");
        }

        var expected = Gemma3WeightShapes.Of(config);
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        int files = 0;
        try
        {
            foreach (var (file, names) in Gemma3ForCausalLM.WeightFiles(options.Path))
            {
                files++;
                if (!File.Exists(file)) { problems.Add($"{Path.GetFileName(file)} is missing"); continue; }
                var header = SafeTensorsHeaderParser.Read(file); // checks the file is as long as the header's offsets say
                bytes += new FileInfo(file).Length;
                foreach (var wanted in names ?? [])
                    if (!header.ByName.ContainsKey(wanted)) problems.Add($"the shard index puts '{wanted}' in {Path.GetFileName(file)}, which does not hold it");
                foreach (var tensor in header.Tensors)
                {
                    if (tensor.Name == "lm_head.weight" && config.TieWordEmbeddings) continue;
                    if (!expected.TryGetValue(tensor.Name, out var shape)) { problems.Add($"unexpected tensor '{tensor.Name}' in {Path.GetFileName(file)}"); continue; }
                    seen.Add(tensor.Name);
                    if (!tensor.Shape.SequenceEqual(shape))
                        problems.Add($"'{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}], config.json makes it [{string.Join(", ", shape)}]");
                }
            }
        }
        catch (Exception e) when (e is SafeTensorsFormatException or IOException or UnauthorizedAccessException or Gemma3CheckpointException)
        {
            return new PreflightCheck(name, false, $"model.path: {e.Message}; the weights are damaged or incomplete (re-download the snapshot)");
        }
        var absent = expected.Keys.Where(k => !seen.Contains(k)).ToList();
        if (absent.Count > 0) problems.Add($"{absent.Count} tensor(s) missing, e.g. '{absent[0]}'");
        if (problems.Count > 0)
            return new PreflightCheck(name, false, $"model.path '{options.Path}': {string.Join("; ", problems.Take(5))}{(problems.Count > 5 ? $"; and {problems.Count - 5} more" : "")}; the weights do not fit its config.json (re-download the snapshot)");
        return new PreflightCheck(name, true, string.Create(CultureInfo.InvariantCulture,
            $"{options.Path}: {config.NumHiddenLayers} layers, {config.ParameterCount():N0} parameters, {expected.Count} tensors in {files} file(s) ({Gb(bytes)}), headers complete"));
    }

    private static PreflightCheck CheckTokenizer(DeltaTuiOptions options, out ITokenizer? tokenizer)
    {
        const string name = "tokenizer";
        tokenizer = null;
        var embeddedModel = options.Model.Path == "embedded";
        var path = options.Tokenizer.Path;
        if (path == "byte" || (path == "auto" && embeddedModel))
        {
            tokenizer = new ByteTokenizer();
            return new PreflightCheck(name, true, "byte tokenizer (built in)");
        }
        var key = path == "auto" ? "model.path" : "tokenizer.path";
        if (path == "auto")
        {
            if (MissingModelFolder(options.Model.Path) is not null)
                return new PreflightCheck(name, false, $"tokenizer.path is auto (the model folder's tokenizer.json), and model.path is not a snapshot folder (see model)");
            path = Path.Combine(options.Model.Path, "tokenizer.json");
        }
        if (!File.Exists(path))
            return new PreflightCheck(name, false, $"{key}: {path} does not exist; name a Gemma-3 tokenizer.json with --tokenizer.path FILE, or use {SuggestedOverrides.ByteTokenizer}");
        try
        {
            tokenizer = Gemma3Tokenizer.Load(path);
            return new PreflightCheck(name, true, string.Create(CultureInfo.InvariantCulture, $"{path}: {tokenizer.VocabSize:N0} tokens"));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new PreflightCheck(name, false, $"{key}: {e.Message}");
        }
    }

    private static PreflightCheck CheckData(string name, string path, DeltaTuiOptions options, ITokenizer? tokenizer)
    {
        var key = name == "data" ? "data.path" : "data.eval_path";
        if (path == RunData.EmbeddedPath) return new PreflightCheck(name, true, "embedded demo preference set");
        if (!File.Exists(path))
            return new PreflightCheck(name, false, $"{key}: {path} does not exist; name a JSONL file of prompt/chosen/rejected rows ({SuggestedOverrides.DataPath})");
        var dataOptions = new PreferenceDataOptions
        {
            MaxLength = options.Data.MaxLength,
            Truncation = options.Data.Truncation,
            SkipBadRows = options.Data.SkipBadRows,
        };
        try
        {
            using var head = FirstLines(path, DataRowsChecked, out var rows);
            var data = PreferenceDataset.Load(head, path, tokenizer ?? new ByteTokenizer(), dataOptions);
            var skipped = data.Stats.BadRows > 0 ? $", {data.Stats.BadRows} bad (skipped: data.skip_bad_rows is true)" : "";
            return new PreflightCheck(name, true, $"{path}: the first {rows} row(s) parse{skipped}");
        }
        catch (PreferenceDataException e)
        {
            return new PreflightCheck(name, false, $"{key}: {e.Message.ReplaceLineEndings("; ").Replace(":; ", ": ", StringComparison.Ordinal)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new PreflightCheck(name, false, $"{key}: {path} cannot be read: {e.Message}");
        }
    }

    /// <summary>The first <paramref name="count"/> non-blank lines (whole lines, so line numbers in messages stay right).</summary>
    private static MemoryStream FirstLines(string path, int count, out int rows)
    {
        var buffer = new MemoryStream();
        rows = 0;
        using var file = File.OpenRead(path);
        int b;
        bool blank = true;
        while (rows < count && (b = file.ReadByte()) >= 0)
        {
            buffer.WriteByte((byte)b);
            if (b == '\n') { if (!blank) rows++; blank = true; }
            else if (b is not (' ' or '\t' or '\r')) blank = false;
        }
        if (!blank) rows++;
        buffer.Position = 0;
        return buffer;
    }

    private static PreflightCheck CheckOutputs(DeltaTuiOptions options, long? parameters)
    {
        const string name = "outputs";
        var folders = new List<(string Key, string Path, SuggestedOverride Fix)>
        {
            ("run.output_root", options.Run.OutputRoot, SuggestedOverrides.OutputRoot),
            ("masks.output_dir", options.Masks.OutputDir, SuggestedOverrides.MasksOutputDir),
            ("run.output_root (final_checkpoint beside it)", DpoRunFactory.FinalModelDirectory(options, "x"), SuggestedOverrides.OutputRoot),
        };
        if (options.Dpo.Reference == ReferenceMode.Precomputed)
            folders.Add(("dpo.reference_cache_dir", options.Dpo.ReferenceCacheDir, new SuggestedOverride("dpo.reference_cache_dir", "/path/with/space/cache")));
        foreach (var (key, path, fix) in folders)
        {
            if (NotWritable(Path.GetFullPath(path)) is { } why)
                return new PreflightCheck(name, false, $"{key}: {why}; choose another folder ({fix})");
        }
        if (parameters is not { } count) return new PreflightCheck(name, true, "folders writable (no size estimate without a model)");

        var estimate = EstimateBytes(options, count, out var perCheckpoint);
        var root = ExistingAncestor(Path.GetFullPath(options.Run.OutputRoot));
        long free;
        try { free = new DriveInfo(root).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return new PreflightCheck(name, true, $"folders writable; free space unknown ({e.Message})"); }
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"about {Gb(estimate)} needed ({CheckpointsOnDiskAtPeak} checkpoints of {Gb(perCheckpoint)} at the peak, the final model, masks and scores), {Gb(free)} free under {root}");
        return free >= estimate
            ? new PreflightCheck(name, true, $"folders writable; {summary}")
            : new PreflightCheck(name, false, $"run.output_root: not enough disk: {summary}; free space or choose another folder ({SuggestedOverrides.OutputRoot})");
    }

    /// <summary>
    /// Bytes a run writes at its peak: each checkpoint holds the weights and θ0 (model.dtype), Adam's two moments
    /// (fp32), an fp32 master copy when the weights are not fp32, and the Fisher and Momentum score state (fp32);
    /// <see cref="CheckpointsOnDiskAtPeak"/> of them, plus the final model and a score file per method.
    /// </summary>
    public static long EstimateBytes(DeltaTuiOptions options, long parameters, out long perCheckpoint)
    {
        long weight = options.Model.DType == TensorDType.Float32 ? 4 : 2;
        long master = weight == 4 ? 0 : 4;
        perCheckpoint = parameters * (2 * weight + 8 + master + 8);
        return CheckpointsOnDiskAtPeak * perCheckpoint + parameters * weight + 3 * parameters * 4;
    }

    private static string Gb(long bytes) => bytes >= 1e9
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB");

    private static string ExistingAncestor(string path)
    {
        var current = path;
        while (!Directory.Exists(current)) current = Path.GetDirectoryName(current) ?? "/";
        return current;
    }

    /// <summary>Null when a file can be created in <paramref name="path"/> (or in the nearest folder that exists above it); nothing is left behind.</summary>
    private static string? NotWritable(string path)
    {
        if (File.Exists(path)) return $"'{path}' is a file, not a folder";
        var existing = ExistingAncestor(path);
        var probe = Path.Combine(existing, $".deltatui-doctor-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"'{path}' cannot be written ({(existing == path ? "" : $"in {existing}: ")}{e.Message})";
        }
    }
}
