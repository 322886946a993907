using DeltaTui.Gemma;
using System.Diagnostics;
using System.Globalization;
using DeltaTui.Benchmarks;
using static TorchSharp.torch;

namespace DeltaTui.Benchmarks;

/// <summary>
/// <c>deltatui bench model</c>: training-shaped throughput of the Gemma-3 model (random weights):
/// forward only, forward + backward through chunked completion log-probs, and the same with
/// gradient checkpointing.
/// </summary>
public sealed class Gemma3Benchmark : IBenchmark
{
    private static readonly string[] Keys = ["preset", "dtype", "device", "batch", "length", "steps", "chunk"];

    public string Name => "model";

    public string Description => "Gemma-3 forward / forward+backward tokens per second (--preset 270m|tiny --dtype --device --batch --length --steps --chunk)";

    public async Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken)
    {
        var unknown = arguments.Keys.FirstOrDefault(k => !Keys.Contains(k));
        if (unknown is not null)
        {
            await output.WriteLineAsync($"bench model: unknown parameter --{unknown} (known: {string.Join(", ", Keys.Select(k => "--" + k))})");
            return 2;
        }
        Gemma3Config config;
        ScalarType dtype;
        Device device;
        int batch, length, steps, chunk;
        try
        {
            config = Text(arguments, "preset", "270m") switch
            {
                "270m" => Gemma3Config.Gemma3_270M,
                "tiny" => Gemma3Config.Tiny(vocabSize: 262),
                var other => throw new ArgumentException($"--preset must be 270m or tiny, not '{other}'"),
            };
            device = Text(arguments, "device", cuda.is_available() ? "cuda" : "cpu") switch
            {
                "cpu" => CPU,
                "cuda" => CUDA,
                var other => throw new ArgumentException($"--device must be cpu or cuda, not '{other}'"),
            };
            dtype = Text(arguments, "dtype", device.type == TorchSharp.DeviceType.CUDA ? "bfloat16" : "float32") switch
            {
                "float32" => ScalarType.Float32,
                "bfloat16" => ScalarType.BFloat16,
                var other => throw new ArgumentException($"--dtype must be float32 or bfloat16, not '{other}'"),
            };
            batch = Positive(arguments, "batch", 2);
            length = Positive(arguments, "length", 256);
            steps = Positive(arguments, "steps", 3);
            chunk = Positive(arguments, "chunk", 128);
        }
        catch (ArgumentException e)
        {
            await output.WriteLineAsync($"bench model: {e.Message}");
            return 2;
        }

        using var model = Gemma3ForCausalLM.CreateRandom(config, seed: 1, dtype, device);
        model.train();
        var generator = new Generator(2);
        using var ids = randint(3, config.VocabSize, [batch, length], generator: generator).to(device);
        using var mask = ones(batch, length, dtype: ScalarType.Int64, device: device);
        using var completion = cat([zeros(batch, length / 2, dtype: ScalarType.Int64), ones(batch, length - length / 2, dtype: ScalarType.Int64)], 1).to(device);

        await output.WriteLineAsync($"Gemma-3 {Text(arguments, "preset", "270m")} ({config.ParameterCount():N0} parameters), {dtype}, {device}, batch {batch} × length {length}, chunk {chunk}, {steps} timed steps after 1 warm-up");
        await output.WriteLineAsync("| pass | ms/step | tokens/s |");
        await output.WriteLineAsync("| --- | ---: | ---: |");
        var passes = new (string Name, Action Step)[]
        {
            ("forward (no grad)", () =>
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                model.CompletionLogProbs(model.forward(ids, mask), ids, completion, chunk);
            }),
            ("forward + backward", () => TrainStep(model, ids, mask, completion, chunk, checkpointing: false)),
            ("forward + backward, checkpointing", () => TrainStep(model, ids, mask, completion, chunk, checkpointing: true)),
        };
        foreach (var (name, step) in passes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            step();
            Synchronize(device);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < steps; i++)
            {
                step();
            }
            Synchronize(device);
            var perStep = clock.Elapsed.TotalMilliseconds / steps;
            var tokensPerSecond = batch * (double)length / (perStep / 1000.0);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"| {name} | {perStep:F1} | {tokensPerSecond:F0} |"));
        }
        return 0;
    }

    private static void TrainStep(Gemma3ForCausalLM model, Tensor ids, Tensor mask, Tensor completion, int chunk, bool checkpointing)
    {
        model.GradientCheckpointing = checkpointing;
        model.zero_grad();
        using var scope = NewDisposeScope();
        model.CompletionLogProbs(model.forward(ids, mask), ids, completion, chunk).sum().backward();
        model.ReturnedGradients.Release();
    }

    private static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }

    private static string Text(IReadOnlyDictionary<string, string> arguments, string key, string fallback) =>
        arguments.TryGetValue(key, out var value) ? value : fallback;

    private static int Positive(IReadOnlyDictionary<string, string> arguments, string key, int fallback)
    {
        if (!arguments.TryGetValue(key, out var text))
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"--{key} must be a positive integer, not '{text}'");
    }
}
