using System.Globalization;
using System.Text;
using DeltaTui.Core.Events;
using DeltaTui.Core.IO;
using DeltaTui.Gemma;
using DeltaTui.Training.Config;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// Makes final_checkpoint/NAME a folder Hugging Face tools open whole: beside the trainer's config.json and
/// model.safetensors, the source snapshot's tokenizer files, a generation_config.json (the source's, or made with the
/// model's stop ids) and a README.md model card (run config, data fingerprint, steps, final metrics, mask files).
/// As a sink it collects what the card needs from the run's events and writes once the run finishes (not when stopped:
/// then there is no final model). Every file is written with <see cref="AtomicFile"/>.
/// </summary>
public sealed class HfSnapshotExtras(DeltaTuiOptions options, string finalDirectory) : IEventSink
{
    public static readonly string[] TokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model"];
    public const string CardFileName = "README.md";

    private readonly Dictionary<string, double> _metrics = [];
    private readonly List<MaskSaved> _masks = [];
    private RunStarted? _started;

    /// <summary>The data fingerprint (set once the run is built; the card says "unknown" without it).</summary>
    public string? DataFingerprint { get; set; }

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case RunStarted started: _started = started; break;
            case StepCompleted step: foreach (var (k, v) in step.Metrics) _metrics[k] = v; break;
            case EvalCompleted eval: foreach (var (k, v) in eval.Metrics) _metrics[k] = v; break;
            case MaskSaved mask: _masks.Add(mask); break;
            case RunFinished { Stopped: false } finished when File.Exists(Path.Combine(finalDirectory, Gemma3ForCausalLM.ConfigFileName)):
                Write(finished.Step);
                break;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the extras into the final folder (which already holds config.json).</summary>
    public void Write(int steps)
    {
        var embedded = options.Model.Path == "embedded";
        var source = embedded ? null : options.Model.Path;
        var tokenizerSource = options.Tokenizer.Path switch
        {
            "auto" => source,
            "byte" => null,
            var path => Path.GetDirectoryName(Path.GetFullPath(path)),
        };
        var copied = new List<string>();
        if (tokenizerSource is not null)
        {
            foreach (var name in TokenizerFiles)
            {
                var from = Path.Combine(tokenizerSource, name);
                if (!File.Exists(from)) continue;
                AtomicFile.Write(Path.Combine(finalDirectory, name), s => { using var input = File.OpenRead(from); input.CopyTo(s); });
                copied.Add(name);
            }
        }

        var config = Gemma3ConfigJson.Read(Path.Combine(finalDirectory, Gemma3ForCausalLM.ConfigFileName));
        var generationSource = source is not null ? Path.Combine(source, Gemma3GenerationConfig.FileName) : null;
        if (generationSource is not null && File.Exists(generationSource))
        {
            AtomicFile.Write(Path.Combine(finalDirectory, Gemma3GenerationConfig.FileName), s => { using var input = File.OpenRead(generationSource); input.CopyTo(s); });
        }
        else
        {
            var text = Gemma3GenerationConfig.Json(config, config.EosTokenIds);
            AtomicFile.Write(Path.Combine(finalDirectory, Gemma3GenerationConfig.FileName), s => s.Write(Encoding.UTF8.GetBytes(text)));
        }

        var card = Card(steps, copied, tokenizerSource is null);
        AtomicFile.Write(Path.Combine(finalDirectory, CardFileName), s => s.Write(Encoding.UTF8.GetBytes(card)));
    }

    private string Card(int steps, List<string> tokenizerFiles, bool byteTokenizer)
    {
        var c = CultureInfo.InvariantCulture;
        var card = new StringBuilder();
        card.AppendLine("---").AppendLine("library_name: transformers").AppendLine("tags: [dpo, deltatui, gemma3]").AppendLine("---").AppendLine();
        card.AppendLine($"# {options.Run.Name ?? Path.GetFileName(finalDirectory)}").AppendLine();
        card.AppendLine($"Gemma-3 fine-tuned with DPO by DeltaTui from `{options.Model.Path}`{(_started is { } s ? $" ({s.ModelId}, {s.ParameterCount:N0} parameters, optimizer {s.Optimizer}, loss {s.LossType}, device {s.Device})" : "")}.").AppendLine();
        card.AppendLine("## Training").AppendLine();
        card.AppendLine($"- steps: {steps}");
        card.AppendLine($"- data: `{options.Data.Path}`{(options.Data.EvalPath is { } e ? $", eval `{e}`" : "")}");
        card.AppendLine($"- data fingerprint: `{DataFingerprint ?? "unknown"}`");
        card.AppendLine($"- beta {options.Dpo.Beta.ToString(c)}, loss {options.Dpo.Loss}, reference {options.Dpo.Reference}, seed {options.Run.Seed}").AppendLine();
        card.AppendLine("## Final metrics").AppendLine();
        if (_metrics.Count == 0) card.AppendLine("(none reported)");
        foreach (var (name, value) in _metrics.OrderBy(m => m.Key, StringComparer.Ordinal)) card.AppendLine($"- {name}: {value.ToString("G6", c)}");
        card.AppendLine().AppendLine("## Mask files").AppendLine();
        if (_masks.Count == 0) card.AppendLine("(none saved)");
        foreach (var mask in _masks) card.AppendLine($"- {mask.Method}, step {mask.Step}, sparsity {mask.Sparsity.ToString("G4", c)}: `{mask.Path}`");
        card.AppendLine().AppendLine("## Tokenizer").AppendLine();
        card.AppendLine(byteTokenizer
            ? "This model was trained with DeltaTui's byte tokenizer (ids 0-5 special, 6-261 the bytes). No Hugging Face tokenizer exists for it: `AutoTokenizer.from_pretrained` will fail on this folder; use `deltatui generate --model THIS_FOLDER`."
            : tokenizerFiles.Count > 0 ? $"Copied from the source snapshot: {string.Join(", ", tokenizerFiles.Select(f => $"`{f}`"))}." : "The source snapshot had no tokenizer files to copy.");
        card.AppendLine().AppendLine("## Run configuration").AppendLine().AppendLine("```json").AppendLine(ConfigJson.Serialize(options)).AppendLine("```");
        return card.ToString();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
