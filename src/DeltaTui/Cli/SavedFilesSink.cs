using DeltaTui.Core.Events;

namespace DeltaTui.Cli;

/// <summary>Remembers what a run saved, so that after the dashboard closes the terminal can say where it is.</summary>
public sealed class SavedFilesSink : IEventSink
{
    private readonly List<string> _lines = [];
    private readonly object _gate = new();
    private string? _failure;
    private volatile bool _sawProgress;

    /// <summary>Whether the run trained a step or saved anything (then its folder holds results and is never removed).</summary>
    public bool SawProgress => _sawProgress;

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        if (e is StepCompleted or MaskSaved or CheckpointSaved or RunFinished) _sawProgress = true;
        if (e is RunFailed failed) lock (_gate) _failure = $"deltatui train: run failed at step {failed.Step}: {failed.Message}";
        string? line = e switch
        {
            MaskSaved m => $"  {m.Method} mask (step {m.Step}): {m.Path}",
            CheckpointSaved c => $"  checkpoint (step {c.Step}): {c.Path}",
            RunFinished f => $"{(f.Stopped ? "stopped and saved" : "finished")} at step {f.Step}; run folder {f.RunDirectory}",
            _ => null,
        };
        if (line is not null) lock (_gate) _lines.Add(line);
        return ValueTask.CompletedTask;
    }

    /// <param name="runDirectory">The run folder, or null when it was removed (a run that failed before its first step).</param>
    public void WriteSummary(TextWriter output, TextWriter error, string? runDirectory)
    {
        lock (_gate)
        {
            if (_failure is not null) error.WriteLine(_failure);
            if (_lines.Count == 0) { if (runDirectory is not null) output.WriteLine($"deltatui: run folder {runDirectory}"); return; }
            output.WriteLine("deltatui: saved");
            foreach (var line in _lines) output.WriteLine(line);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
