using System.Diagnostics;
using System.Globalization;
using DeltaTui.Gemma;
using DeltaTui.Torch.Interop;
using DeltaTui.Training.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Benchmarks;

/// <summary>
/// `deltatui bench optimizer`: BSR-AdamW (native when the library loads) and dense AdamW (native
/// and TorchSharp's) on the Gemma-3-270M 2-D weight shapes, per block size and density, on the best
/// device. "ms/step" is a whole step until the device is done; "host us" is the time the Step call
/// itself takes on the CPU (without waiting for the device unless the step must read a norm back).
/// "AdamW+norm" is the native dense step given the global norm, as the trainer calls it. Options: --device cpu|cuda, --layers N, --embed true|false, --block-sizes 16,32,
/// --densities 1,0.1, --dtypes fp32,bf16, --steps N. CPU defaults are a small slice (one layer,
/// no embedding) so that it finishes in seconds.
/// </summary>
public sealed class OptimizerBenchmark : IBenchmark
{
    public string Name => "optimizer";

    public string Description => "BSR-AdamW vs TorchSharp AdamW on Gemma-3-270M weight shapes (time per step, effective bandwidth, state memory)";

    public Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken)
    {
        var cudaAvailable = cuda.is_available();
        var deviceName = Get(arguments, "device", cudaAvailable ? "cuda" : "cpu");
        if (deviceName is not ("cpu" or "cuda")) return Fail(output, $"--device must be cpu or cuda, got '{deviceName}'");
        if (deviceName == "cuda" && !cudaAvailable) return Fail(output, "--device cuda: no CUDA device is available");
        var onGpu = deviceName == "cuda";
        var device = onGpu ? CUDA : CPU;
        int layers, steps;
        bool embed;
        List<int> blockSizes;
        List<double> densities;
        List<string> dtypes;
        try
        {
            layers = int.Parse(Get(arguments, "layers", onGpu ? "18" : "1"), CultureInfo.InvariantCulture);
            steps = int.Parse(Get(arguments, "steps", onGpu ? "20" : "3"), CultureInfo.InvariantCulture);
            embed = bool.Parse(Get(arguments, "embed", onGpu ? "true" : "false"));
            blockSizes = Get(arguments, "block-sizes", onGpu ? "16,32,64,128" : "32").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            densities = Get(arguments, "densities", onGpu ? "1,0.5,0.25,0.1,0.05,0.01" : "1,0.1").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList();
            dtypes = Get(arguments, "dtypes", "fp32,bf16").Split(',').ToList();
        }
        catch (FormatException e)
        {
            return Fail(output, $"bad option value: {e.Message}");
        }
        if (layers < 0 || layers > Gemma270mWeightShapes.Layers || steps < 1) return Fail(output, $"--layers must be 0..{Gemma270mWeightShapes.Layers} and --steps >= 1");
        if (blockSizes.FirstOrDefault(b => !BlockLayout.SupportedBlockSizes.Contains(b)) is var bad and not 0)
            return Fail(output, $"--block-sizes: {bad} is not one of 16, 32, 64, 128");
        if (dtypes.FirstOrDefault(d => d is not ("fp32" or "bf16")) is { } badType) return Fail(output, $"--dtypes: '{badType}' is not fp32 or bf16");

        var shapes = Gemma270mWeightShapes.Matrices(layers, embed).Select(m => m.Shape).ToList();
        var elements = shapes.Sum(s => s[0] * s[1]);
        var native = NativeBackend.Status;
        output.WriteLine($"optimizer benchmark on {(onGpu ? "CUDA" : $"CPU ({Environment.ProcessorCount} cores)")}: {shapes.Count} weights, {elements:N0} parameters, {steps} timed steps");
        output.WriteLine(native.Available ? $"backend: native-{deviceName}" : $"backend: reference (native library not available: {native.Error})");
        if (onGpu)
        {
            // The floor under every ms/step below: a synchronize with nothing queued.
            var idle = TimeSteps(() => { }, 20, onGpu);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"synchronize with nothing queued: {idle.Milliseconds * 1000:0.0} us"));
        }
        output.WriteLine($"{"optimizer",-22} {"dtype",-5} {"B",4} {"density",7} {"ms/step",9} {"host us",8} {"GB/s",8} {"state MiB",10} {"state/dense",11}");
        foreach (var dtype in dtypes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scalar = dtype == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
            using var scope = NewDisposeScope();
            var weights = shapes.Select((s, i) => new Parameter(rand(s, scalar, device) * 2 - 1)).ToList();
            foreach (var w in weights)
            {
                using var g = (rand(w.shape, scalar, device) - 0.5) * 2e-2;
                using var loss = (w * g).sum();
                loss.backward();
            }
            var denseState = elements * 4L * (scalar == ScalarType.BFloat16 ? 3 : 2);
            var named = weights.Select((w, i) => ($"w{i}", w)).ToList();
            if (scalar == ScalarType.Float32)
            {
                using var adamw = new TorchAdamWStep(named, new BsrAdamWOptions());
                var time = TimeSteps(() => adamw.Step(1e-3, 0), steps, onGpu);
                output.WriteLine(Row("TorchSharp AdamW", dtype, "-", 1.0, time, 28.0 * elements, denseState, denseState));
            }
            if (NativeAdamWStep.Unsupported(named) is null)
            {
                // Dense AdamW as the trainer runs it: norm computed (read back once), no clipping.
                using var adamw = new NativeAdamWStep(named, new BsrAdamWOptions());
                var b = NativeAdamWStep.BlockSizeFor(scalar).ToString(CultureInfo.InvariantCulture);
                var time = TimeSteps(() => adamw.Step(1e-3, 0), steps, onGpu);
                output.WriteLine(Row($"AdamW {adamw.Optimizer.Backend}", dtype, b, 1.0, time, 28.0 * elements, adamw.Optimizer.StateBytes, denseState));
                // As the trainer calls it: the global norm already on the device (its value does not matter here).
                using var norm = tensor(1e3f, device: device);
                var given = TimeSteps(() => adamw.Step(1e-3, 1.0, norm), steps, onGpu);
                output.WriteLine(Row($"AdamW+norm {adamw.Optimizer.Backend}", dtype, b, 1.0, given, 28.0 * elements, adamw.Optimizer.StateBytes, denseState));
            }
            foreach (var b in blockSizes)
            {
                foreach (var density in densities)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var random = new Random(b * 7919 + (int)(density * 1000));
                    var parameters = weights.Select((w, i) => new BsrParameter($"w{i}", w, BlockLayout.Random(w.shape[0], w.shape[1], b, density, random))).ToList();
                    using var optimizer = BsrAdamWFactory.Create(parameters, new BsrAdamWOptions(), out _);
                    var active = parameters.Sum(p => p.Layout!.ActiveElements);
                    var time = TimeSteps(() => optimizer.Step(1e-3, 0, computeNorm: false), steps, onGpu);
                    output.WriteLine(Row($"BSR-AdamW {optimizer.Backend}", dtype, b.ToString(CultureInfo.InvariantCulture), density, time,
                        28.0 * active, optimizer.StateBytes, denseState));
                }
            }
        }
        return Task.FromResult(0);
    }

    /// <summary>Medians over the timed steps: the whole step in ms (device done), and the Step call alone in microseconds.</summary>
    private readonly record struct StepTime(double Milliseconds, double HostMicroseconds);

    private static StepTime TimeSteps(Action step, int steps, bool onGpu)
    {
        step();
        step();
        if (onGpu) cuda.synchronize();
        var times = new List<double>();
        var host = new List<double>();
        for (var i = 0; i < steps; i++)
        {
            var watch = Stopwatch.StartNew();
            step();
            host.Add(watch.Elapsed.TotalMicroseconds);
            if (onGpu) cuda.synchronize();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        host.Sort();
        return new StepTime(times[times.Count / 2], host[host.Count / 2]);
    }

    private static string Row(string name, string dtype, string b, double density, StepTime time, double bytes, long stateBytes, long denseState) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {dtype,-5} {b,4} {density,7:0.00} {time.Milliseconds,9:0.000} {time.HostMicroseconds,8:0} {bytes / (time.Milliseconds * 1e-3) / 1e9,8:0} {stateBytes / 1048576.0,10:0.0} {(double)stateBytes / denseState,11:0.000}");

    private static string Get(IReadOnlyDictionary<string, string> arguments, string key, string fallback) =>
        arguments.TryGetValue(key, out var value) ? value : fallback;

    private static Task<int> Fail(TextWriter output, string message)
    {
        output.WriteLine($"optimizer benchmark: {message}");
        return Task.FromResult(2);
    }
}
