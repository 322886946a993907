using DeltaTui.Torch.SafeTensors;
using System.CommandLine;
using DeltaTui.Gemma;
using DeltaTui.Torch.Runtime;
using DeltaTui.Formats.SafeTensors;
using static TorchSharp.torch;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui logits</c>: our model's logits for given token ids, so that a checkpoint can be
/// checked against another implementation (transformers) on exactly the same input. Reads int64
/// <c>input_ids</c> [B,T] (and optionally <c>attention_mask</c>) from a safetensors file and writes
/// fp32 <c>logits</c> [B,T,V] to another.
/// </summary>
public static class LogitsCommand
{
    public const string InputIdsName = "input_ids";
    public const string AttentionMaskName = "attention_mask";
    public const string LogitsName = "logits";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face snapshot folder (config.json + safetensors)", Required = true };
        var input = new Option<string>("--input") { Description = "safetensors file with int64 input_ids [B,T] and optionally attention_mask [B,T]", Required = true };
        var outputPath = new Option<string>("--output") { Description = "safetensors file to write fp32 logits [B,T,V] to", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Model dtype: bfloat16, float16 or float32", DefaultValueFactory = _ => "bfloat16" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var attention = new Option<string>("--attention") { Description = "sdpa or eager", DefaultValueFactory = _ => "sdpa" };
        // Off by default: this command exists to compare with transformers, and the TorchSharp norms reproduce its bf16
        // logits bit for bit; the fused kernels (what training uses on a GPU) agree in fp32 but round bf16 differently.
        var nativeRmsNorm = new Option<bool>("--native-rmsnorm") { Description = "On a GPU, RMSNorm on libdeltatui_native's fused kernels, as training runs it (default: TorchSharp ops, bit for bit transformers' bf16 arithmetic)", DefaultValueFactory = _ => false };
        var command = new Command("logits", "Write a model's logits for given token ids (to compare a checkpoint with another implementation)")
        {
            model, input, outputPath, dtype, device, attention, nativeRmsNorm,
        };
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            try
            {
                return Run(parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(outputPath)!, parse.GetValue(dtype)!,
                    parse.GetValue(device)!, parse.GetValue(attention)!, parse.GetValue(nativeRmsNorm), output);
            }
            catch (Exception e) when (e is LogitsInputException or IOException or UnauthorizedAccessException or InvalidDataException
                                          or Gemma3ConfigException or Gemma3CheckpointException or SafeTensorsFormatException or InvalidOperationException)
            {
                error.WriteLine($"deltatui logits: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static int Run(string modelDirectory, string inputPath, string outputPath, string dtypeName, string deviceName, string attentionName, bool nativeRmsNorm, TextWriter output)
    {
        ScalarType dtype = dtypeName switch
        {
            "bfloat16" or "bf16" => ScalarType.BFloat16,
            "float16" or "fp16" => ScalarType.Float16,
            "float32" or "fp32" => ScalarType.Float32,
            _ => throw new LogitsInputException($"--dtype must be bfloat16, float16 or float32, got '{dtypeName}'"),
        };
        AttentionImplementation attention = attentionName switch
        {
            "sdpa" => AttentionImplementation.Sdpa,
            "eager" => AttentionImplementation.Eager,
            _ => throw new LogitsInputException($"--attention must be sdpa or eager, got '{attentionName}'"),
        };
        if (!Directory.Exists(modelDirectory)) throw new LogitsInputException($"--model {modelDirectory}: no such folder");
        if (!File.Exists(inputPath)) throw new LogitsInputException($"--input {inputPath}: no such file");
        Device device = TorchRuntime.ResolveDevice(deviceName);

        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> inputs = SafeTensorsFile.Load(inputPath);
        if (!inputs.TryGetValue(InputIdsName, out Tensor? ids))
            throw new LogitsInputException($"{inputPath}: has no tensor '{InputIdsName}' (it has: {string.Join(", ", inputs.Keys)})");
        if (ids.dtype != ScalarType.Int64 || ids.dim() != 2)
            throw new LogitsInputException($"{inputPath}: '{InputIdsName}' must be int64 [B,T], it is {ids.dtype} [{string.Join(", ", ids.shape)}]");
        Tensor mask = inputs.TryGetValue(AttentionMaskName, out Tensor? given) ? given : ones_like(ids);
        if (!mask.shape.SequenceEqual(ids.shape))
            throw new LogitsInputException($"{inputPath}: '{AttentionMaskName}' is [{string.Join(", ", mask.shape)}], '{InputIdsName}' is [{string.Join(", ", ids.shape)}]");

        using Gemma3ForCausalLM model = Gemma3ForCausalLM.FromPretrained(modelDirectory, dtype, device);
        model.AttentionImplementation = attention;
        model.NativeRmsNorm = nativeRmsNorm;
        model.eval();
        long vocabulary = model.Config.VocabSize;
        if (ids.numel() > 0 && (ids.min().item<long>() < 0 || ids.max().item<long>() >= vocabulary))
            throw new LogitsInputException($"{inputPath}: '{InputIdsName}' holds ids outside [0, {vocabulary}) of the model's vocabulary");

        using (no_grad())
        {
            Tensor logits = model.Logits(model.forward(ids.to(device), mask.to(device).to_type(ScalarType.Int64))).to(ScalarType.Float32).cpu();
            SafeTensorsFile.Save(outputPath, [(LogitsName, logits)], new Dictionary<string, string>
            {
                ["model"] = Path.GetFullPath(modelDirectory),
                ["dtype"] = dtypeName,
                ["attention"] = attentionName,
                ["native_rmsnorm"] = nativeRmsNorm ? "true" : "false",
                ["device"] = device.ToString(),
            });
            output.WriteLine($"wrote logits [{string.Join(", ", logits.shape)}] ({dtypeName}, {attentionName}, {device}) to {outputPath}");
        }
        return ExitCodes.Success;
    }
}
