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
}

public static class KeyMap
{
    /// <param name="readOnly">Replay/watch: nothing to save, pause or stop; q leaves.</param>
    public static DashboardIntent? Map(Key key, DashboardState state, bool readOnly)
    {
        if (state.Ui.ConfirmingStop)
        {
            if (Is(key, 'y') || key == Key.Enter) return DashboardIntent.ConfirmStop;
            if (Is(key, 'n') || key == Key.Esc || Is(key, 'q')) return DashboardIntent.CancelStop;
            return null;
        }
        if (key == Key.L.WithCtrl) return DashboardIntent.Redraw;
        // In raw mode Ctrl+C arrives as a key, not SIGINT; it means what SIGINT means: stop without asking.
        if (key == Key.C.WithCtrl) return readOnly || state.IsOver ? DashboardIntent.Quit : DashboardIntent.ConfirmStop;
        if (Is(key, 'q') || key == Key.Esc || key == Key.F10)
            return readOnly || state.IsOver ? DashboardIntent.Quit : DashboardIntent.AskStop;
        if (Is(key, 's') || key == Key.F3) return readOnly ? null : DashboardIntent.SaveMasks;
        if (Is(key, 'p') || key == Key.F4) return readOnly ? null : DashboardIntent.TogglePause;
        if (Is(key, 'j') || key == Key.F2) return DashboardIntent.ToggleJaccard;
        if (Is(key, 'g') || key == Key.F8) return DashboardIntent.ToggleSamples;
        if (Is(key, 'd') || key == Key.F5) return DashboardIntent.ToggleDeltaPerTensor;
        if (Is(key, 'm') || key == Key.F6) return DashboardIntent.ToggleSmoothing;
        if (Is(key, 'o') || key == Key.F7) return DashboardIntent.CycleJaccardSort;
        if (key.AsRune.Value == '?' || key == Key.F1) return DashboardIntent.ToggleHelp;
        if (key == Key.PageUp) return state.Ui.ShowSamples ? DashboardIntent.ScrollSamplesUp : DashboardIntent.ScrollJaccardUp;
        if (key == Key.PageDown) return state.Ui.ShowSamples ? DashboardIntent.ScrollSamplesDown : DashboardIntent.ScrollJaccardDown;
        return null;
    }

    private static bool Is(Key key, char letter) =>
        !key.IsCtrl && !key.IsAlt && char.ToLowerInvariant((char)key.AsRune.Value) == letter;
}
