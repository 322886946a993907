using DeltaTui.Torch.SafeTensors;
using System.Text.Json;
using DeltaTui.Formats.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>Loading and saving Hugging Face snapshot folders (config.json + safetensors).</summary>
public sealed partial class Gemma3ForCausalLM
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";
    public const string ShardIndexFileName = "model.safetensors.index.json";

    private static readonly SafeTensorsDType[] FloatingTypes = [SafeTensorsDType.F32, SafeTensorsDType.BF16, SafeTensorsDType.F16, SafeTensorsDType.F64];

    /// <summary>
    /// Loads a snapshot folder: <c>config.json</c> (hub or transformers-5 format) and either
    /// <c>model.safetensors</c> or the shards named by <c>model.safetensors.index.json</c>. Stored
    /// weights of any float type are converted to <paramref name="dtype"/>. Every tensor is read
    /// straight into its parameter, so peak memory is the model plus one tensor.
    /// </summary>
    public static Gemma3ForCausalLM FromPretrained(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var config = Gemma3ConfigJson.Read(Path.Combine(directory, ConfigFileName));
        var model = new Gemma3ForCausalLM(config, dtype, device ?? CPU);
        try
        {
            model.LoadWeights(directory);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <c>config.json</c> (hub format) and <c>model.safetensors</c> (metadata format=pt, the
    /// tied head not duplicated), each replaced atomically, so transformers' from_pretrained loads the folder.
    /// </summary>
    public void SavePretrained(string directory)
    {
        Directory.CreateDirectory(directory);
        var tensors = named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        SafeTensorsFile.Save(Path.Combine(directory, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        Gemma3ConfigJson.Write(Path.Combine(directory, ConfigFileName), Config with { TorchDtype = DTypeName(DType) });
    }

    private static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        ScalarType.Float64 => "float64",
        _ => throw new NotSupportedException($"cannot save a model of dtype {dtype}"),
    };

    private void LoadWeights(string directory)
    {
        var parameters = named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (file, names) in WeightFiles(directory))
        {
            var header = SafeTensorsFile.ReadHeader(file);
            if (names is not null)
            {
                foreach (var name in names.Where(n => !header.ByName.ContainsKey(n)))
                {
                    problems.Add($"{ShardIndexFileName} puts '{name}' in {Path.GetFileName(file)}, which does not hold it");
                }
            }
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
            foreach (var info in header.Tensors)
            {
                if (info.Name == "lm_head.weight" && Config.TieWordEmbeddings)
                {
                    continue; // Some exporters store the tied head anyway; it is the embedding.
                }
                if (!parameters.TryGetValue(info.Name, out var parameter))
                {
                    problems.Add($"unexpected tensor '{info.Name}' in {Path.GetFileName(file)}");
                    continue;
                }
                if (!loaded.Add(info.Name))
                {
                    problems.Add($"tensor '{info.Name}' appears in more than one file (again in {Path.GetFileName(file)})");
                    continue;
                }
                if (!info.Shape.SequenceEqual(parameter.shape))
                {
                    problems.Add($"tensor '{info.Name}' in {Path.GetFileName(file)} has shape [{string.Join(", ", info.Shape)}], the model expects [{string.Join(", ", parameter.shape)}]");
                    continue;
                }
                if (!FloatingTypes.Contains(info.DType))
                {
                    problems.Add($"tensor '{info.Name}' in {Path.GetFileName(file)} has dtype {info.DType}; weights must be F32, BF16, F16 or F64");
                    continue;
                }
                if (problems.Count > 0)
                {
                    continue; // Keep collecting problems but stop spending time on reads that will be thrown away.
                }
                using var stored = SafeTensorsFile.ReadTensor(stream, header, info);
                using var noGrad = no_grad();
                parameter.copy_(stored); // converts dtype and moves to the parameter's device
            }
        }
        foreach (var name in parameters.Keys.Where(n => !loaded.Contains(n)))
        {
            problems.Add($"missing tensor '{name}' [{string.Join(", ", parameters[name].shape)}]");
        }
        if (problems.Count > 0)
        {
            throw new Gemma3CheckpointException(directory, problems);
        }
    }

    /// <summary>The weight files, each with the names the shard index assigns to it (null without an index).</summary>
    public static IEnumerable<(string File, IReadOnlyList<string>? Names)> WeightFiles(string directory)
    {
        var single = Path.Combine(directory, WeightsFileName);
        if (File.Exists(single))
        {
            return [(single, null)];
        }
        var indexPath = Path.Combine(directory, ShardIndexFileName);
        if (!File.Exists(indexPath))
        {
            throw new FileNotFoundException($"{directory}: neither {WeightsFileName} nor {ShardIndexFileName} is there", single);
        }
        Dictionary<string, string> weightMap;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new Gemma3CheckpointException(indexPath, ["'weight_map' is missing or not an object"]);
            }
            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new Gemma3CheckpointException(indexPath, [$"'weight_map.{entry.Name}' must be a file name string"]);
                }
                var shard = entry.Value.GetString()!;
                if (shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new Gemma3CheckpointException(indexPath, [$"'weight_map.{entry.Name}' names '{shard}', which is not a file in the same folder"]);
                }
                weightMap[entry.Name] = shard;
            }
        }
        catch (JsonException e)
        {
            throw new Gemma3CheckpointException(indexPath, [$"not valid JSON: {e.Message}"]);
        }
        return weightMap.GroupBy(kv => kv.Value, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Path.Combine(directory, g.Key), (IReadOnlyList<string>?)g.Select(kv => kv.Key).ToList()))
            .ToList();
    }
}
