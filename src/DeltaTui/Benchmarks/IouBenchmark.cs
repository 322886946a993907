using DeltaTui.Training.Config;
using System.Diagnostics;
using System.Globalization;
using DeltaTui.Training.Masks;
using DeltaTui.Gemma;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Benchmarks;

/// <summary>
/// Cost of the live Jaccard update on Gemma-3 270M shapes (268M positions with the embedding):
/// three current masks against each other and against the previous interval's, on random masks
/// at 90 % sparsity. Arguments: --device cpu|cuda (default cpu), --repeats N (default 5),
/// --density D (default 0.1), --embeddings true|false (default true), --tensor-ops true|false (time the
/// tensor-op path; default true on a GPU, false on the CPU where it takes tens of seconds),
/// --build true|false (also time building one global element mask from random fp32 scores; default true).
/// </summary>
public sealed class IouBenchmark : IBenchmark
{
    public string Name => "iou";

    public string Description => "Live IoU of the three mask methods over the 270M-parameter shapes (target < 2 s CPU, < 50 ms GPU).";

    public Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken)
    {
        var deviceName = arguments.GetValueOrDefault("device", "cpu");
        var repeats = int.Parse(arguments.GetValueOrDefault("repeats", "5"), CultureInfo.InvariantCulture);
        var density = double.Parse(arguments.GetValueOrDefault("density", "0.1"), CultureInfo.InvariantCulture);
        var embeddings = bool.Parse(arguments.GetValueOrDefault("embeddings", "true"));
        var onGpu = deviceName.StartsWith("cuda", StringComparison.Ordinal);
        var tensorOps = bool.Parse(arguments.GetValueOrDefault("tensor-ops", onGpu ? "true" : "false"));
        var timeBuild = bool.Parse(arguments.GetValueOrDefault("build", "true"));
        if (deviceName.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
        {
            output.WriteLine("iou: CUDA is not available in this build or on this machine.");
            return Task.FromResult(2);
        }
        var device = new Device(deviceName);
        var shapes = Gemma270mWeightShapes.Matrices(Gemma270mWeightShapes.Layers, embeddings);
        var positions = shapes.Sum(s => s.Shape.Aggregate(1L, (a, b) => a * b));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"iou benchmark: {shapes.Count} tensors, {positions:N0} positions, density {density}, device {deviceName}, {Environment.ProcessorCount} cores, {repeats} repeats"));

        var generator = new Generator(1234);
        var sets = Enumerable.Range(0, 6).Select(_ => RandomMasks(shapes, density, device, generator)).ToArray();
        try
        {
            var rows = new List<(string Path, double[] Ms)>();
            rows.Add((device.type == DeviceType.CPU
                ? "live update (LiveIouTracker: pack 3 + 5 popcount comparisons)"
                : "live update (LiveIouTracker: 5 tensor-op comparisons + keep copies)", TimeLive(sets, repeats, cancellationToken)));
            if (device.type == DeviceType.CPU)
            {
                var packed = sets.Select(PackedMaskSet.From).ToArray();
                rows.Add(("5 comparisons, already packed", Time(repeats, cancellationToken, () =>
                {
                    for (var c = 0; c < 5; c++) MaskIou.Compare(packed[c], packed[c + 1]);
                })));
                rows.Add(("pack one mask set", Time(repeats, cancellationToken, () => PackedMaskSet.From(sets[0]))));
                CheckAgreement(sets[0], sets[1], packed[0], packed[1]);
            }
            if (tensorOps)
                rows.Add(("5 tensor-op comparisons (MaskIou.CompareOnDevice)", TimeLive(sets, repeats, cancellationToken, forceTensorOps: true)));

            if (timeBuild)
            {
                foreach (var set in sets[1..]) set.Dispose();
                sets = sets[..1];
                rows.Add(("build one global element mask at sparsity 0.9 (MaskBuilder)", TimeBuild(shapes, device, generator, Math.Min(repeats, 3), cancellationToken)));
            }

            output.WriteLine();
            output.WriteLine("| path | median ms | min ms | max ms |");
            output.WriteLine("| --- | ---: | ---: | ---: |");
            foreach (var (path, ms) in rows)
            {
                var sorted = ms.Order().ToArray();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {path} | {sorted[sorted.Length / 2]:F1} | {sorted[0]:F1} | {sorted[^1]:F1} |"));
            }
            return Task.FromResult(0);
        }
        finally
        {
            foreach (var set in sets) set.Dispose();
        }
    }

    // One live update: the first call of a fresh tracker only primes the previous interval, so each
    // timed call is the second of a pair and does all five comparisons.
    private static double[] TimeLive(MaskSet[] sets, int repeats, CancellationToken token, bool forceTensorOps = false)
    {
        var times = new double[repeats];
        for (var r = 0; r < repeats; r++)
        {
            token.ThrowIfCancellationRequested();
            if (forceTensorOps)
            {
                var sw = Stopwatch.StartNew();
                MaskIou.CompareOnDevice(sets[1], sets[0]);
                MaskIou.CompareOnDevice(sets[2], sets[0]);
                MaskIou.CompareOnDevice(sets[0], sets[3]);
                MaskIou.CompareOnDevice(sets[1], sets[4]);
                MaskIou.CompareOnDevice(sets[2], sets[5]);
                times[r] = sw.Elapsed.TotalMilliseconds;
                continue;
            }
            using var tracker = new LiveIouTracker();
            tracker.Update(1, sets[3], sets[4], sets[5], detailed: false);
            var watch = Stopwatch.StartNew();
            var result = tracker.Update(2, sets[0], sets[1], sets[2], detailed: true);
            times[r] = watch.Elapsed.TotalMilliseconds;
            if (result.Failure is not null) throw new InvalidOperationException(result.Failure.Message);
        }
        return times;
    }

    private static double[] TimeBuild(IReadOnlyList<(string Name, long[] Shape)> shapes, Device device, Generator generator,
        int repeats, CancellationToken token)
    {
        var scores = shapes.Select(s => new NamedTensor(s.Name, rand(s.Shape, generator: generator, device: device))).ToList();
        try
        {
            var expected = MaskOptions.KeptCount(0.9, scores.Sum(s => s.Tensor.numel()));
            return Time(repeats, token, () =>
            {
                using var masks = MaskBuilder.Build(scores, new MaskOptions { Sparsity = 0.9 });
                if (masks.CountKept() != expected) throw new InvalidOperationException("Mask builder kept the wrong count.");
            });
        }
        finally
        {
            foreach (var score in scores) score.Tensor.Dispose();
        }
    }

    private static double[] Time(int repeats, CancellationToken token, Action action)
    {
        var times = new double[repeats];
        for (var r = 0; r < repeats; r++)
        {
            token.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            action();
            times[r] = watch.Elapsed.TotalMilliseconds;
        }
        return times;
    }

    private static void CheckAgreement(MaskSet a, MaskSet b, PackedMaskSet pa, PackedMaskSet pb)
    {
        if (MaskIou.CompareOnDevice(a, b).Aggregate != MaskIou.Compare(pa, pb).Aggregate)
            throw new InvalidOperationException("Packed and tensor-op IoU disagree.");
    }

    private static MaskSet RandomMasks(IReadOnlyList<(string Name, long[] Shape)> shapes, double density, Device device, Generator generator)
    {
        var set = new MaskSet();
        foreach (var (name, shape) in shapes)
        {
            // Drawn on the CPU generator and moved: the same masks on every device, whatever its RNG.
            using var uniform = rand(shape, generator: generator);
            using var mask = uniform.lt(density);
            set.Add(name, mask.to(device));
        }
        return set;
    }
}
