using DeltaTui.Dashboard.State;
using Terminal.Gui.Input;

namespace DeltaTui.Dashboard;

/// <summary>What a key press means. Mapping keys to intents is pure, so every shortcut is testable without a terminal.</summary>
public enum DashboardIntent
{
    SaveMasks,
    TogglePause,
    AskStop,
    ConfirmStop,
    CancelStop,
    Quit,
    ToggleJaccard,
    ToggleSamples,
    ToggleDeltaPerTensor,
    ToggleSmoothing,
    ToggleHelp,
    CycleJaccardSort,
    ScrollJaccardUp,
    ScrollJaccardDown,
    ScrollSamplesUp,
    ScrollSamplesDown,
    Redraw,
    /// <summary>Esc while an overlay (help, Jaccard pane) is open: close it, leave the run alone.</summary>
    CloseOverlay,
    /// <summary>Leave an attached dashboard; the run goes on (only where <see cref="DashboardOptions.CanDetach"/>).</summary>
    Detach,
}

/// <summary>Keys to intents, read from <see cref="DashboardKeys.All"/>, resolved for the state (overlay open, run over, replay).</summary>
public static class KeyMap
{
    /// <param name="readOnly">Replay/watch: nothing to save, pause or stop; q leaves.</param>
    public static DashboardIntent? Map(Key key, DashboardState state, bool readOnly)
    {
        var binding = DashboardKeys.Applicable(state, readOnly).FirstOrDefault(b => b.Keys.Any(k => Matches(key, k)));
        if (binding is null) return null;
        bool canQuit = readOnly || state.IsOver;
        return binding.Intent switch
        {
            // Esc closes an overlay first; only with none open does it mean stop.
            DashboardIntent.AskStop when key == Key.Esc && (state.Ui.ShowHelp || state.Ui.ShowJaccard || state.Ui.ShowSamples) => DashboardIntent.CloseOverlay,
            DashboardIntent.AskStop when canQuit => DashboardIntent.Quit,
            // In raw mode Ctrl+C arrives as a key, not SIGINT; it means what SIGINT means: stop without asking.
            DashboardIntent.ConfirmStop when binding.Scope != KeyScope.StopPrompt && canQuit => DashboardIntent.Quit,
            // PgUp/PgDn scroll the pane that is open: the Samples pane when it is, else the Jaccard pane.
            DashboardIntent.ScrollJaccardUp when state.Ui.ShowSamples => DashboardIntent.ScrollSamplesUp,
            DashboardIntent.ScrollJaccardDown when state.Ui.ShowSamples => DashboardIntent.ScrollSamplesDown,
            var intent => intent,
        };
    }

    private static bool Matches(Key pressed, Key bound)
    {
        int r = bound.AsRune.Value;
        if (!bound.IsCtrl && !bound.IsAlt && r >= 32 && r < 127)
        {
            if (pressed.IsCtrl || pressed.IsAlt) return false;
            int p = pressed.AsRune.Value;
            return char.IsLetter((char)r) ? char.ToLowerInvariant((char)p) == char.ToLowerInvariant((char)r) : p == r;
        }
        return pressed == bound;
    }
}
