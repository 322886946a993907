using DeltaTui.Core.Events;

namespace DeltaTui.Cli;

/// <summary>Remembers what a run saved, so that after the dashboard closes the terminal can say where it is.</summary>
public sealed class SavedFilesSink : IEventSink
{
    private readonly List<string> _lines = [];
    private readonly object _gate = new();

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        string? line = e switch
        {
            MaskSaved m => $"  {m.Method} mask (step {m.Step}): {m.Path}",
            CheckpointSaved c => $"  checkpoint (step {c.Step}): {c.Path}",
            RunFinished f => $"{(f.Stopped ? "stopped and saved" : "finished")} at step {f.Step}; run folder {f.RunDirectory}",
            RunFailed f => $"failed at step {f.Step}: {f.Message}",
            _ => null,
        };
        if (line is not null) lock (_gate) _lines.Add(line);
        return ValueTask.CompletedTask;
    }

    public void WriteSummary(TextWriter output, string runDirectory)
    {
        lock (_gate)
        {
            if (_lines.Count == 0) { output.WriteLine($"deltatui: run folder {runDirectory}"); return; }
            output.WriteLine("deltatui: saved");
            foreach (var line in _lines) output.WriteLine(line);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
