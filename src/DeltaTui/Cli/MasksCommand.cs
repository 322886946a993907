using DeltaTui.Training.Config;
using DeltaTui.Torch.SafeTensors;
using System.CommandLine;
using System.Globalization;
using DeltaTui.Training.Masks;
using DeltaTui.Formats.SafeTensors;

namespace DeltaTui.Cli;

/// <summary>`deltatui masks build ...` and `deltatui masks compare a.pt b.pt`.</summary>
public static class MasksCommand
{
    public static Command Create()
    {
        var command = new Command("masks", "Build masks from saved scores and compare mask files.");
        command.Subcommands.Add(CreateBuild());
        command.Subcommands.Add(CreateCompare());
        return command;
    }

    private static Command CreateCompare()
    {
        var first = new Argument<FileInfo>("a") { Description = "First mask file (.pt)." };
        var second = new Argument<FileInfo>("b") { Description = "Second mask file (.pt)." };
        var compare = new Command("compare", "IoU of two mask files, per tensor and aggregate; exits 1 when they are not comparable.");
        compare.Arguments.Add(first);
        compare.Arguments.Add(second);
        compare.SetAction(parse => Compare(parse.GetValue(first)!.FullName, parse.GetValue(second)!.FullName, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return compare;
    }

    public static int Compare(string pathA, string pathB, TextWriter output, TextWriter error)
    {
        LoadedMaskFile? a = null, b = null;
        try
        {
            a = MaskFile.Load(pathA);
            b = MaskFile.Load(pathB);
            MaskMismatchException.ThrowIfIncompatible(a.Masks, b.Masks, pathA, pathB);
            output.Write(IouTable.Format(MaskIou.Compare(a.Masks, b.Masks), pathA, pathB));
            return 0;
        }
        catch (MaskMismatchException e)
        {
            error.WriteLine($"masks compare: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            error.WriteLine($"masks compare: {e.Message}");
            return ExitCodes.Usage;
        }
        finally
        {
            a?.Dispose();
            b?.Dispose();
        }
    }

    private static Command CreateBuild()
    {
        var scores = new Option<FileInfo>("--scores") { Description = "Scores file (.safetensors) saved by a run.", Required = true };
        var method = new Option<string>("--method") { Description = "magnitude, momentum or fisher.", Required = true };
        var sparsity = new Option<double>("--sparsity") { Description = "Fraction of units dropped, >= 0 and < 1, e.g. 0.9 (keeps the top 10 %).", Required = true };
        var scope = new Option<string>("--scope") { Description = "global, per-tensor or hybrid.", DefaultValueFactory = _ => "global" };
        var granularity = new Option<string>("--granularity") { Description = "element or block.", DefaultValueFactory = _ => "element" };
        var blockSize = new Option<int>("--block-size") { Description = "16, 32, 64 or 128.", DefaultValueFactory = _ => 32 };
        var floor = new Option<double>("--hybrid-floor") { Description = "Per-tensor kept fraction guaranteed by the hybrid scope.", DefaultValueFactory = _ => 0.0025 };
        var modelId = new Option<string?>("--model-id") { Description = "Model id recorded in the metadata (default: the scores file's model_id metadata)." };
        var output = new Option<FileInfo?>("--out") { Description = "Mask file to write (default: <method>-step<N>.pt beside the scores)." };
        var force = new Option<bool>("--force") { Description = "Overwrite the mask file when it exists." };

        var build = new Command("build", "Build a mask file from saved scores.");
        foreach (var option in new Option[] { scores, method, sparsity, scope, granularity, blockSize, floor, modelId, output, force })
            build.Options.Add(option);
        build.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                var scoreMethod = ScoreMethodNames.Parse(parse.GetValue(method)!);
                // Like masks.sparsity in a config: 1 would drop every unit and write an empty mask.
                if (parse.GetValue(sparsity) is var dropped && !(dropped >= 0 && dropped < 1))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"--sparsity must be >= 0 and < 1 (the fraction of units dropped; 1 would keep nothing and write an empty mask), got {dropped}"));
                var options = new MaskOptions
                {
                    Sparsity = parse.GetValue(sparsity),
                    Scope = MaskOptionNames.ParseScope(parse.GetValue(scope)!),
                    Granularity = MaskOptionNames.ParseGranularity(parse.GetValue(granularity)!),
                    BlockSize = parse.GetValue(blockSize),
                    HybridFloor = parse.GetValue(floor),
                };
                options.Validate();
                var scoresPath = parse.GetValue(scores)!.FullName;
                var header = SafeTensorsFile.ReadHeader(scoresPath);
                var step = header.Metadata.TryGetValue("step", out var stepText) && int.TryParse(stepText, CultureInfo.InvariantCulture, out var s)
                    ? s : ScoreSelection.StepFromFileName(scoresPath) ?? 0;
                var model = parse.GetValue(modelId) ?? header.Metadata.GetValueOrDefault("model_id", "unknown");
                var outPath = parse.GetValue(output)?.FullName
                    ?? Path.Combine(Path.GetDirectoryName(scoresPath)!, string.Create(CultureInfo.InvariantCulture, $"{scoreMethod.ToName()}-step{step}.pt"));
                if (File.Exists(outPath) && !parse.GetValue(force))
                {
                    stderr.WriteLine($"masks build: {outPath} exists; nothing was written. Pass --force to overwrite it, or --out FILE to write another.");
                    return ExitCodes.Usage;
                }
                return Build(scoresPath, scoreMethod, options, step, model, outPath, stdout, stderr);
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or SafeTensorsFormatException)
            {
                stderr.WriteLine($"masks build: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return build;
    }

    public static int Build(string scoresPath, ScoreMethod method, MaskOptions options, int step, string modelId,
        string outPath, TextWriter output, TextWriter error)
    {
        var all = SafeTensorsFile.Load(scoresPath);
        try
        {
            var scores = ScoreSelection.Select(all.Select(p => new NamedTensor(p.Key, p.Value)).ToList(), method);
            using var masks = MaskBuilder.Build(scores, options);
            MaskFile.Save(outPath, masks, MaskMetadata.From(method, options, step, modelId));
            var kept = masks.CountKept();
            var total = masks.TotalElements;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath}: {method.ToName()} mask over {masks.Count} tensors, {kept:N0} of {total:N0} kept ({(total == 0 ? 0 : (double)kept / total):P2}), {options.Scope.ToName()} {options.Granularity.ToName()}"));
            return ExitCodes.Success;
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"masks build: {scoresPath}: {e.Message}");
            return ExitCodes.Usage;
        }
        finally
        {
            foreach (var tensor in all.Values) tensor.Dispose();
        }
    }
}
