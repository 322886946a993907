using DeltaTui.Training.Models;
using System.CommandLine;
using System.Text.Json;
using DeltaTui.Formats.Tokenization;
using DeltaTui.Gemma;
using DeltaTui.Torch.Runtime;
using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using static TorchSharp.torch;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui generate --model PATH|embedded [--prompt TEXT | --messages FILE | --prompts FILE.jsonl] ...</c>: completions
/// from a snapshot (a hub download, a final_checkpoint) or the embedded demo model, with the KV-cache generator. One prompt
/// streams its tokens as they come; several are generated as one left-padded batch; <c>--json</c> prints one JSON object per
/// prompt for tools.
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Snapshot folder (config.json + safetensors), or 'embedded' for the demo model (seeded random weights, byte tokenizer)", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "Text to complete (a user turn of the chat template unless --raw)" };
        var messages = new Option<string?>("--messages") { Description = "JSON file: [{\"role\": \"user\", \"content\": \"...\"}, ...] rendered with the chat template" };
        var prompts = new Option<string?>("--prompts") { Description = "JSONL file, one prompt per line: \"text\", {\"prompt\": \"text\"} or {\"messages\": [...]}" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "New tokens at most per prompt", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy (default); above 0 samples", DefaultValueFactory = _ => 0 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0 = off)", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Sample within this probability mass (1 = off)", DefaultValueFactory = _ => 1.0 };
        var repetition = new Option<double>("--repetition-penalty") { Description = "transformers' repetition penalty (1 = off)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "One JSON object per prompt (prompt, completion, tokens, finish_reason) instead of text" };
        var raw = new Option<bool>("--raw") { Description = "Use --prompt/--prompts text as is (after <bos>), without the chat template" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "auto (the snapshot's tokenizer.json, else the byte tokenizer), byte, or a tokenizer.json path", DefaultValueFactory = _ => "auto" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var command = new Command("generate", "Complete prompts with a model (greedy or sampled), streaming to the terminal or as JSON")
        {
            model, prompt, messages, prompts, maxNew, temperature, topK, topP, repetition, seed, json, raw, tokenizer, dtype, device,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var options = new SamplingOptions
                {
                    MaxNewTokens = parse.GetValue(maxNew),
                    Temperature = parse.GetValue(temperature),
                    TopK = parse.GetValue(topK),
                    TopP = parse.GetValue(topP),
                    RepetitionPenalty = parse.GetValue(repetition),
                    Seed = parse.GetValue(seed),
                };
                options.Validate();
                return Run(parse.GetValue(model)!, parse.GetValue(prompt), parse.GetValue(messages), parse.GetValue(prompts), options,
                    parse.GetValue(json), parse.GetValue(raw), parse.GetValue(tokenizer)!, parse.GetValue(dtype)!, parse.GetValue(device)!, output);
            }
            catch (Exception e) when (e is GenerateInputException or GenerationException or ArgumentException or IOException or UnauthorizedAccessException
                                          or InvalidDataException or Gemma3ConfigException or Gemma3CheckpointException or TokenizerFormatException)
            {
                error.WriteLine($"deltatui generate: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static int Run(string modelPath, string? prompt, string? messagesFile, string? promptsFile, SamplingOptions options,
        bool json, bool raw, string tokenizerName, string dtypeName, string deviceName, TextWriter output)
    {
        var given = new[] { prompt is not null, messagesFile is not null, promptsFile is not null }.Count(g => g);
        if (given != 1) throw new GenerateInputException("give exactly one of --prompt TEXT, --messages FILE or --prompts FILE.jsonl");
        var dtype = dtypeName switch
        {
            "float32" or "fp32" => ScalarType.Float32,
            "bfloat16" or "bf16" => ScalarType.BFloat16,
            _ => throw new GenerateInputException($"--dtype must be float32 or bfloat16, not '{dtypeName}'"),
        };
        var embedded = modelPath == "embedded";
        if (!embedded && !Directory.Exists(modelPath))
            throw new GenerateInputException($"--model {modelPath}: no such folder (give a snapshot folder with config.json and model.safetensors, or 'embedded')");
        if (!embedded && !File.Exists(Path.Combine(modelPath, Gemma3ForCausalLM.ConfigFileName)))
            throw new GenerateInputException($"--model {modelPath}: has no {Gemma3ForCausalLM.ConfigFileName}; is it a Hugging Face snapshot folder?");

        var tokens = LoadTokenizer(tokenizerName, embedded ? null : modelPath);
        var inputs = prompt is not null ? [GeneratePrompts.FromText(prompt, tokens, raw, "--prompt")]
            : messagesFile is not null ? [GeneratePrompts.FromMessagesFile(messagesFile, tokens)]
            : GeneratePrompts.FromPromptsFile(promptsFile!, tokens, raw);

        var deviceToUse = TorchRuntime.ResolveDevice(deviceName);
        using var gemma = embedded
            ? Gemma3ForCausalLM.CreateRandom(EmbeddedModel.Config(tokens.VocabSize), new RunOptions().Seed, dtype, deviceToUse)
            : Gemma3ForCausalLM.FromPretrained(modelPath, dtype, deviceToUse);
        gemma.eval();
        if (tokens.VocabSize > gemma.Config.VocabSize)
            throw new GenerateInputException($"the tokenizer has {tokens.VocabSize} ids but the model only {gemma.Config.VocabSize}; give the model's own tokenizer with --tokenizer");
        var generator = new Gemma3Generator(gemma, Gemma3GenerationConfig.EosTokenIds(embedded ? null : modelPath, gemma.Config));

        var streaming = !json && inputs.Count == 1;
        var printed = 0;
        var sofar = new List<int>();
        void Stream(GenerationStep step)
        {
            if (step.Tokens[0] is not { } token || generator.EosTokenIds.Contains(token)) return;
            sofar.Add(token);
            var text = Decode(tokens, sofar);
            if (text.EndsWith('\uFFFD')) return; // an incomplete UTF-8 character: wait for the rest
            if (text.Length > printed) output.Write(text[printed..]);
            output.Flush();
            printed = text.Length;
        }
        var results = generator.Generate(inputs.Select(p => (IReadOnlyList<int>)p.Ids).ToArray(), options, streaming ? Stream : null);

        for (var i = 0; i < results.Count; i++)
        {
            var completion = Decode(tokens, results[i].Completion);
            var reason = results[i].Reason == FinishReason.Eos ? "eos" : "length";
            if (json)
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    index = i,
                    prompt = inputs[i].Text,
                    prompt_tokens = inputs[i].Ids.Length,
                    completion,
                    tokens = results[i].Tokens,
                    finish_reason = reason,
                }));
            }
            else if (streaming)
            {
                if (completion.Length > printed) output.Write(completion[printed..]);
                output.WriteLine();
            }
            else
            {
                output.WriteLine($"=== prompt {i + 1} ({reason}, {results[i].Tokens.Count} tokens) ===");
                output.WriteLine(completion);
            }
        }
        return ExitCodes.Success;
    }

    /// <summary>
    /// Text of ids; an id the tokenizer does not have (a model whose vocabulary is larger, such as the test fixture with the
    /// byte tokenizer) shows as &lt;id:N&gt; instead of failing.
    /// </summary>
    private static string Decode(ITokenizer tokenizer, IReadOnlyList<int> ids)
    {
        var text = new System.Text.StringBuilder();
        var run = new List<int>();
        foreach (var id in ids)
        {
            if (id >= 0 && id < tokenizer.VocabSize) { run.Add(id); continue; }
            text.Append(tokenizer.Decode(run.ToArray())).Append($"<id:{id}>");
            run.Clear();
        }
        return text.Append(tokenizer.Decode(run.ToArray())).ToString();
    }

    private static ITokenizer LoadTokenizer(string name, string? snapshot)
    {
        if (name == "byte") return new ByteTokenizer();
        if (name != "auto") return Gemma3Tokenizer.Load(name);
        var path = snapshot is null ? null : Path.Combine(snapshot, "tokenizer.json");
        return path is not null && File.Exists(path) ? Gemma3Tokenizer.Load(path) : new ByteTokenizer();
    }
}
