using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>
/// Picks one method's scores out of a scores file's tensors. A file holding several methods names its
/// tensors "&lt;method&gt;/&lt;parameter&gt;" (e.g. "fisher/model.layers.0.mlp.up_proj.weight"); a file without
/// any such prefix holds a single method's scores under the bare parameter names.
/// </summary>
public static class ScoreSelection
{
    public static IReadOnlyList<NamedTensor> Select(IReadOnlyList<NamedTensor> tensors, ScoreMethod method)
    {
        var prefixed = tensors.Where(t => ScoreMethodNames.All.Any(m => t.Name.StartsWith(m.ToName() + "/", StringComparison.Ordinal))).ToList();
        if (prefixed.Count == 0) return tensors;
        var prefix = method.ToName() + "/";
        var selected = prefixed.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(t => new NamedTensor(t.Name[prefix.Length..], t.Tensor)).ToList();
        if (selected.Count == 0)
            throw new InvalidDataException($"the scores hold no '{method.ToName()}/...' tensors (methods present: {string.Join(", ", prefixed.Select(t => t.Name[..t.Name.IndexOf('/')]).Distinct())})");
        return selected;
    }

    /// <summary>The step in a name like "scores-step120.safetensors", or null.</summary>
    public static int? StepFromFileName(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        var at = stem.LastIndexOf("step", StringComparison.Ordinal);
        return at >= 0 && int.TryParse(stem[(at + 4)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var step)
            ? step : null;
    }
}
