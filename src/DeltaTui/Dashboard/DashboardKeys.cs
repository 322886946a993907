using DeltaTui.Dashboard.State;
using Terminal.Gui.Input;

namespace DeltaTui.Dashboard;

/// <summary>When a binding applies.</summary>
public enum KeyScope
{
    /// <summary>Always (live runs and replays).</summary>
    Always,

    /// <summary>Only while a live run can still be driven (not in a replay, not after the run ended).</summary>
    Training,

    /// <summary>Only while the stop prompt is open.</summary>
    StopPrompt,
}

/// <summary>
/// One entry of the key table: the keys that trigger it (a letter and its function-key twin, as function keys fail in
/// some terminals), the intent, a short status-line label and the help text.
/// </summary>
public sealed record KeyBinding(string Display, IReadOnlyList<Key> Keys, DashboardIntent Intent, string Label, string Help, KeyScope Scope = KeyScope.Always)
{
    /// <summary>The first key's name as the status line shows it (the letter, or e.g. ^L).</summary>
    public string ShortName => Display.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
}

/// <summary>
/// The one table of keys. The key map (<see cref="KeyMap"/>), the help overlay and the status line are all read
/// from it, so a binding cannot exist in one and be missing from another.
/// </summary>
public static class DashboardKeys
{
    public static readonly IReadOnlyList<KeyBinding> All =
    [
        new("s  F3", [Key.S, Key.F3], DashboardIntent.SaveMasks, "save masks", "save Magnitude, Momentum and Fisher masks now (training continues)", KeyScope.Training),
        new("p  F4", [Key.P, Key.F4], DashboardIntent.TogglePause, "pause", "pause / resume training", KeyScope.Training),
        new("q  Esc  F10", [Key.Q, Key.Esc, Key.F10], DashboardIntent.AskStop, "stop",
            "close the open overlay or pane (Esc); else stop: finish the step, save masks, scores and checkpoint (asks first); after the run: exit"),
        new("j  F2", [Key.J, Key.F2], DashboardIntent.ToggleJaccard, "jaccard", "show / hide the per-tensor Jaccard pane (switches per-tensor IoU on / off in the trainer)"),
        new("g  F8", [Key.G, Key.F8], DashboardIntent.ToggleSamples, "samples", "show / hide the Samples pane: chosen, rejected, reference and policy completions"),
        new("o  F7", [Key.O, Key.F7], DashboardIntent.CycleJaccardSort, "sort", "Jaccard pane: change the sort order"),
        new("PgUp", [Key.PageUp], DashboardIntent.ScrollJaccardUp, "scroll", "Samples pane (when open) or Jaccard pane: scroll up"),
        new("PgDn", [Key.PageDown], DashboardIntent.ScrollJaccardDown, "scroll", "Samples pane (when open) or Jaccard pane: scroll down"),
        new("d  F5", [Key.D, Key.F5], DashboardIntent.ToggleDeltaPerTensor, "delta", "weight delta: per layer group / per tensor"),
        new("m  F6", [Key.M, Key.F6], DashboardIntent.ToggleSmoothing, "smooth", "smooth the training curves"),
        new("?  F1", [new Key('?'), Key.F1], DashboardIntent.ToggleHelp, "help", "this help (Esc or ? closes it)"),
        new("^L", [Key.L.WithCtrl], DashboardIntent.Redraw, "redraw", "redraw the screen"),
        new("^D", [Key.D.WithCtrl], DashboardIntent.Detach, "detach", "deltatui attach only: leave this dashboard, the run goes on (attach again any time)"),
        new("^C", [Key.C.WithCtrl], DashboardIntent.ConfirmStop, "stop now", "stop at once, like SIGINT: finish the step, save everything, exit"),
        new("y  Enter", [Key.Y, Key.Enter], DashboardIntent.ConfirmStop, "stop", "stop prompt: yes, stop and save", KeyScope.StopPrompt),
        new("n  Esc  q", [Key.N, Key.Esc, Key.Q], DashboardIntent.CancelStop, "keep going", "stop prompt: no, keep training", KeyScope.StopPrompt),
    ];

    /// <summary>The bindings the help overlay lists (all of them).</summary>
    public static IEnumerable<string> HelpLines() => All.Select(b => $"{b.Display,-12} {b.Help}");

    /// <summary>
    /// The status line: every binding that applies now, as "keys label", shortened to fit <paramref name="width"/>
    /// (labels go first, then the function-key twins), so every key is always named.
    /// </summary>
    public static string StatusLine(DashboardState state, bool readOnly, int width, params string[] prefixes)
    {
        if (prefixes.Length == 0) prefixes = [""];
        var bindings = Applicable(state, readOnly).ToList();
        string Label(KeyBinding b) => b.Intent switch
        {
            DashboardIntent.TogglePause when state.RunState == DeltaTui.Core.Events.RunState.Paused => "resume",
            DashboardIntent.AskStop when readOnly || state.IsOver => "exit",
            _ => b.Label,
        };
        string Keys(KeyBinding b) => string.Join("/", b.Display.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // Richest first: every key with its twins and label; then letters with labels; then labels for the first
        // bindings only (the most used come first in the table); then the keys alone.
        var forms = new List<string>
        {
            string.Join("  ", bindings.Select(b => $"{Keys(b)} {Label(b)}")),
            string.Join("  ", bindings.Select(b => $"{b.ShortName} {Label(b)}")),
        };
        for (int labelled = bindings.Count - 1; labelled >= 0; labelled--)
            forms.Add(string.Join("  ", bindings.Take(labelled).Select(b => $"{b.ShortName} {Label(b)}")
                .Append(string.Join(" ", bindings.Skip(labelled).Select(b => b.ShortName)))));
        foreach (var form in forms)
            foreach (var prefix in prefixes)
                if (prefix.Length + form.Length <= width) return prefix + form;
        return forms[^1];
    }

    /// <summary>The bindings that apply in this state; the stop prompt has only its own.</summary>
    public static IEnumerable<KeyBinding> Applicable(DashboardState state, bool readOnly) =>
        state.Ui.ConfirmingStop
            ? All.Where(b => b.Scope == KeyScope.StopPrompt)
            : All.Where(b => b.Scope == KeyScope.Always || (b.Scope == KeyScope.Training && !readOnly && !state.IsOver));
}
