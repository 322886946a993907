namespace DeltaTui.Benchmarks;

/// <summary>
/// A benchmark that `deltatui bench NAME [--key value ...]` runs. It prints a table to the writer;
/// numbers go into docs/results.md with the card and the date. Implementations have a public
/// parameterless constructor and are found by reflection.
/// </summary>
public interface IBenchmark
{
    /// <summary>Verb name, e.g. "optimizer", "tokenizer", "iou", "telemetry".</summary>
    string Name { get; }

    string Description { get; }

    /// <returns>Process exit code.</returns>
    Task<int> RunAsync(TextWriter output, IReadOnlyDictionary<string, string> arguments, CancellationToken cancellationToken);
}
