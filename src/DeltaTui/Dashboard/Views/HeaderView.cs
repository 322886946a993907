using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Terminal.Gui.ViewBase;

namespace DeltaTui.Dashboard.Views;

/// <summary>Run name, model, device, progress, elapsed, ETA, tokens/s, learning rate and state, in two lines.</summary>
public sealed class HeaderView : View
{
    private readonly TextLinesView _text = new() { Width = Dim.Fill(), Height = Dim.Fill() };

    public HeaderView()
    {
        Height = 2;
        Width = Dim.Fill();
        CanFocus = false;
        Add(_text);
    }

    public void Apply(DashboardState s)
    {
        _text.Lines = Render(s);
    }

    public static IReadOnlyList<string> Render(DashboardState s)
    {
        TimeSpan? elapsed = s.StartedAt is { } start && (s.EndedAt ?? s.Now) is { } until ? until - start : null;
        // Time spent training: pauses excluded, and while paused the clock stands at the pause, so the ETA is frozen.
        TimeSpan? training = s.StartedAt is { } from && (s.EndedAt ?? s.PausedSince ?? s.Now) is { } to ? to - from - s.PausedTotal : null;
        TimeSpan? eta = null;
        if (training is { } e && s.Step > 0 && s.TotalSteps > s.Step && !s.IsOver)
            eta = TimeSpan.FromSeconds(Math.Max(e.TotalSeconds, 0) / s.Step * (s.TotalSteps - s.Step));
        string progress = s.TotalSteps > 0 ? $"step {s.Step}/{s.TotalSteps}" : $"step {s.Step}";
        string state = StateName(s.RunState) + (s.Ui.ConfirmingStop ? " (stop?)" : "");
        return
        [
            $"DeltaTui │ run {s.RunName} │ model {s.ModelId} ({Format.Count(s.ParameterCount)} params) │ {s.Device} │ {s.Optimizer}",
            $"{state.ToUpperInvariant()} │ {progress} │ elapsed {Format.Duration(elapsed)} │ ETA {Format.Duration(eta)} │ " +
            $"{Format.Number(s.TokensPerSecond, "0")} tok/s │ lr {Format.Number(s.LearningRate, "0.00e+0")}" +
            (s.SkippedSteps > 0 ? $" │ skipped {s.SkippedSteps}" : ""),
        ];
    }

    public static string StateName(RunState state) => state switch
    {
        RunState.Starting => "starting",
        RunState.Running => "running",
        RunState.Paused => "paused",
        RunState.Stopping => "stopping",
        RunState.Saved => "saved",
        RunState.Finished => "finished",
        RunState.Failed => "failed",
        _ => state.ToString().ToLowerInvariant(),
    };
}
