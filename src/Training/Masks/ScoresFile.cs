using DeltaTui.Training.Dpo;
using DeltaTui.Torch.SafeTensors;
using System.Globalization;
using DeltaTui.Training.Masks;
using DeltaTui.Formats.SafeTensors;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// scores-stepN.safetensors: the Magnitude, Momentum and Fisher scores (fp32, parameter shapes) of
/// one step, named "&lt;method&gt;/&lt;parameter&gt;" (e.g. "fisher/model.layers.0.mlp.up_proj.weight"),
/// with metadata format, step and model_id, so masks can be rebuilt offline at any sparsity.
/// </summary>
public static class ScoresFile
{
    public const string Format = "deltatui-scores-v1";

    public static string FileName(int step) => $"scores-step{step}.safetensors";

    public static void Save(string path, int step, string modelId, IReadOnlyDictionary<ScoreMethod, IReadOnlyList<NamedTensor>> scores)
    {
        var tensors = new List<(string, Tensor)>();
        foreach (var (method, named) in scores)
            foreach (var (name, score) in named)
                tensors.Add(($"{method.ToName()}/{name}", score));
        SafeTensorsFile.Save(path, tensors, new Dictionary<string, string>
        {
            ["format"] = Format,
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["model_id"] = modelId,
        });
    }

    /// <summary>The scores of one method from a scores file; the caller disposes them.</summary>
    public static IReadOnlyList<NamedTensor> Load(string path, ScoreMethod method)
    {
        var prefix = method.ToName() + "/";
        var all = SafeTensorsFile.Load(path);
        var result = new List<NamedTensor>();
        foreach (var (name, tensor) in all)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal)) result.Add(new NamedTensor(name[prefix.Length..], tensor));
            else tensor.Dispose();
        }
        if (result.Count == 0) throw new InvalidDataException($"{path}: no '{prefix}*' tensors; is it a {Format} scores file?");
        return result;
    }
}
