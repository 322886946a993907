using DeltaTui.Torch.SafeTensors;
using DeltaTui.Formats.SafeTensors;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

/// <summary>
/// The random-weight tiny Gemma-3 made and run by transformers 5.17 / torch 2.11 (fp32, eager
/// attention): its snapshot folder and the reference outputs.
/// </summary>
internal static class TinyGemmaFixture
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "fixtures", "gemma3-tiny");

    /// <summary>input_ids, attention_mask [2,40] (row 1 right-padded after 31 tokens), logits [2,40,512], completion_mask, completion_logps [2].</summary>
    public static Dictionary<string, Tensor> Reference() => SafeTensorsFile.Load(Path.Combine(Folder, "reference.safetensors"));

    /// <summary>A fresh folder holding the fixture's weights and the given config file as config.json.</summary>
    public static string SnapshotWithConfig(string configFileName, string parent)
    {
        var folder = Path.Combine(parent, Path.GetFileNameWithoutExtension(configFileName));
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(Folder, configFileName), Path.Combine(folder, "config.json"));
        File.Copy(Path.Combine(Folder, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
        return folder;
    }

    /// <summary>Largest |a − b| over positions where the attention mask is 1.</summary>
    public static double MaxErrorOnUnpadded(Tensor actual, Tensor expected, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var difference = (actual.to_type(ScalarType.Float32) - expected).abs().amax([-1]);
        return difference.masked_select(attentionMask.to_type(ScalarType.Bool)).max().item<float>();
    }
}
