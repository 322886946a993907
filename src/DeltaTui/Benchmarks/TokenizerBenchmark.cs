using System.Diagnostics;
using System.Globalization;
using System.Text;
using DeltaTui.Formats.Tokenization;

namespace DeltaTui.Benchmarks;

/// <summary>
/// Load time of a Gemma-3 tokenizer.json and encode/decode throughput on generated, varied text
/// (prose, code, numbers, several scripts, emoji, chat markup), on the calling thread only.
/// Arguments: --path tokenizer.json (default: $DELTATUI_GEMMA3_TOKENIZER), --mb text size (default 1),
/// --text a UTF-8 file to encode instead of generated text, --loads load repetitions (default 3).
/// </summary>
public sealed class TokenizerBenchmark : IBenchmark
{
    public string Name => "tokenizer";

    public string Description => "Gemma-3 tokenizer.json load time and encode/decode throughput (one core).";

    public Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken)
    {
        var path = arguments.GetValueOrDefault("path") ?? Environment.GetEnvironmentVariable("DELTATUI_GEMMA3_TOKENIZER");
        if (string.IsNullOrWhiteSpace(path))
        {
            output.WriteLine("tokenizer benchmark: give --path <tokenizer.json> (or set DELTATUI_GEMMA3_TOKENIZER).");
            return Task.FromResult(2);
        }
        if (!TryParsePositive(arguments, "mb", 1.0, out var megabytes) || !TryParsePositive(arguments, "loads", 3, out var loadRuns))
        {
            output.WriteLine("tokenizer benchmark: --mb and --loads must be positive numbers.");
            return Task.FromResult(2);
        }

        var loadTimes = new List<(double Wall, double Cpu)>();
        Gemma3Tokenizer? tokenizer = null;
        try
        {
            for (var i = 0; i < (int)loadRuns; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                loadTimes.Add(Time(() => Gemma3Tokenizer.Load(path), out tokenizer));
            }
        }
        catch (TokenizerFormatException e)
        {
            output.WriteLine($"tokenizer benchmark: {e.Message}");
            return Task.FromResult(1);
        }

        string text;
        string source;
        if (arguments.TryGetValue("text", out var textFile))
        {
            try
            {
                text = File.ReadAllText(textFile, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                output.WriteLine($"tokenizer benchmark: cannot read --text {textFile}: {e.Message}");
                return Task.FromResult(1);
            }
            source = textFile;
        }
        else
        {
            text = BenchmarkText.Generate((int)(megabytes * 1024 * 1024), seed: 1234);
            source = "generated (seed 1234)";
        }
        var bytes = Encoding.UTF8.GetByteCount(text);

        cancellationToken.ThrowIfCancellationRequested();
        // The first pass sees an empty piece cache, as a new training run does; later passes reuse it.
        var cold = Time(() => tokenizer!.Encode(text), out var ids);
        var warm = Enumerable.Range(0, 2).Select(_ => Time(() => tokenizer!.Encode(text), out int[] _)).MinBy(t => t.Wall);
        var decode = Time(() => tokenizer!.Decode(ids), out var decoded);

        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine($"tokenizer benchmark: {path}");
        output.WriteLine($"text: {source}, {bytes:N0} UTF-8 bytes, {text.Length:N0} chars, {ids.Length:N0} tokens" +
                         $" ({(double)bytes / ids.Length:F2} bytes/token), round trip {(decoded == text ? "exact" : "DIFFERS")}");
        output.WriteLine();
        // CPU time is the whole process's (JIT and GC threads included, 10 ms ticks); it stays meaningful on a busy
        // shared machine where wall time does not.
        output.WriteLine("| measure | wall | CPU | MB/s (wall) | MB/s (CPU) | tokens/s (wall) | tokens/s (CPU) |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        var bestLoad = loadTimes.MinBy(t => t.Wall);
        output.WriteLine(string.Create(invariant, $"| load, first of {loadTimes.Count} | {loadTimes[0].Wall * 1000:F0} ms | {loadTimes[0].Cpu * 1000:F0} ms | | | | |"));
        output.WriteLine(string.Create(invariant, $"| load, best of {loadTimes.Count} | {bestLoad.Wall * 1000:F0} ms | {bestLoad.Cpu * 1000:F0} ms | | | | |"));
        foreach (var (label, t) in new[] { ("encode, cold cache", cold), ("encode, warm cache (best of 2)", warm), ("decode", decode) })
        {
            output.WriteLine(string.Create(invariant,
                $"| {label} | {t.Wall * 1000:F0} ms | {t.Cpu * 1000:F0} ms | {bytes / 1e6 / t.Wall:F2} | {bytes / 1e6 / Math.Max(t.Cpu, 1e-3):F2} | {ids.Length / t.Wall:N0} | {ids.Length / Math.Max(t.Cpu, 1e-3):N0} |"));
        }
        return Task.FromResult(decoded == text ? 0 : 1);
    }

    private static (double Wall, double Cpu) Time<T>(Func<T> action, out T result)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        result = action();
        var wall = watch.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpuBefore).TotalSeconds);
    }

    private static bool TryParsePositive(IReadOnlyDictionary<string, string> arguments, string key, double fallback, out double value)
    {
        value = fallback;
        return !arguments.TryGetValue(key, out var raw)
               || (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0);
    }
}
