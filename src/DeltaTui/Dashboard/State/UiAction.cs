namespace DeltaTui.Dashboard.State;

/// <summary>A change the user asked of the view itself (not of the trainer), folded like an event.</summary>
public enum UiAction
{
    ToggleJaccard,
    ToggleSamples,
    ScrollSamplesUp,
    ScrollSamplesDown,
    ToggleDeltaPerTensor,
    ToggleSmoothing,
    ToggleHelp,
    CycleJaccardSort,
    AskStop,
    CancelStop,
    ConfirmStop,
    /// <summary>Close the help overlay if open, else the Jaccard pane.</summary>
    CloseOverlay,
}
