using DeltaTui.Core.Events;
using DeltaTui.Dashboard;
using DeltaTui.Dashboard.State;
using DeltaTui.Dashboard.Views;
using Terminal.Gui.Input;
using Xunit;
using static DeltaTui.Tests.Dashboard.SampleEvents;

namespace DeltaTui.Tests.Dashboard;

public class SamplesPaneTests
{
    private static SampleCompletion Sample(int index, SampleSource who, string completion) =>
        new(index, who, $"<start_of_turn>user\nQuestion {index}?<end_of_turn>\n<start_of_turn>model\n", $"Chosen answer {index}.",
            $"Rejected answer {index}.", completion, 5, true);

    private static SamplesGenerated AtStep0(int prompts) => new(0,
        [
            .. Enumerable.Range(0, prompts).Select(i => Sample(i, SampleSource.Reference, $"reference says {i}")),
            .. Enumerable.Range(0, prompts).Select(i => Sample(i, SampleSource.Policy, $"reference says {i}")),
        ], 12.5) { Time = T0 };

    private static SamplesGenerated Policy(int step, int prompts, string word) =>
        new(step, [.. Enumerable.Range(0, prompts).Select(i => Sample(i, SampleSource.Policy, $"policy {word} {i}"))], 3.0) { Time = T0.AddMinutes(step) };

    [Fact]
    public void Given_samples_at_step_0_and_step_20_When_folded_Then_each_prompt_keeps_its_data_the_reference_of_step_0_and_the_policy_of_step_20()
    {
        var s = DashboardReducer.Reduce(DashboardState.Initial(), AtStep0(2));
        s = DashboardReducer.Reduce(s, Policy(20, 2, "now"));

        Assert.Equal([0, 1], s.Samples.Select(r => r.Index));
        var first = s.Samples[0];
        Assert.Equal("Chosen answer 0.", first.Chosen);
        Assert.Equal("Rejected answer 0.", first.Rejected);
        Assert.Equal("reference says 0", first.Reference);
        Assert.Equal("policy now 0", first.Policy);
        Assert.Equal(20, first.PolicyStep);

        // An older evaluation read late (replay) never hides the newer one.
        var late = DashboardReducer.Reduce(s, Policy(10, 2, "before"));
        Assert.Equal("policy now 0", late.Samples[0].Policy);
        Assert.Equal(20, late.Samples[0].PolicyStep);
    }

    [Fact]
    public void Given_the_samples_and_jaccard_panes_When_toggled_Then_one_replaces_the_other_and_scrolling_never_goes_above_the_top()
    {
        var s = DashboardReducer.Reduce(DashboardState.Initial(), UiAction.ToggleJaccard);
        s = DashboardReducer.Reduce(s, UiAction.ToggleSamples);
        Assert.True(s.Ui.ShowSamples);
        Assert.False(s.Ui.ShowJaccard);

        s = DashboardReducer.Reduce(s, UiAction.ScrollSamplesUp);
        Assert.Equal(0, s.Ui.SamplesScroll);
        Assert.Equal(DashboardIntent.ScrollSamplesDown, KeyMap.Map(Key.PageDown, s, readOnly: false));
        Assert.Equal(DashboardIntent.ScrollJaccardDown, KeyMap.Map(Key.PageDown, DashboardState.Initial(), readOnly: false));
    }

    [Fact]
    public void Given_a_run_with_samples_at_100x30_When_g_is_pressed_Then_the_pane_shows_prompt_chosen_rejected_reference_and_the_policy_with_its_step()
    {
        using var h = new DashboardHarness(100, 30);
        h.Post(Started(), Step(1), AtStep0(4), Step(20), Policy(20, 4, "after training"));
        Assert.DoesNotContain("Samples (policy at step 20)", h.Screen());

        h.Press(Key.G);
        var screen = h.Screen();

        Assert.True(h.Session.State.Ui.ShowSamples);
        Assert.Contains("Samples (policy at step 20)", screen);
        Assert.Contains("#1 prompt:", screen);
        Assert.Contains("Question 0?", screen);
        Assert.Contains("Chosen answer 0.", screen);
        Assert.Contains("Rejected answer 0.", screen);
        Assert.Contains("reference (step 0):", screen);
        Assert.Contains("reference says 0", screen);
        Assert.Contains("policy (step 20):", screen);
        Assert.Contains("policy after training 0", screen);
        // The status line (from the key table, shortened to the width) names the key.
        Assert.Matches(@"\bg(/F8)? samples\b", screen.Split('\n').Last(l => l.Trim().Length > 0));
        Assert.DoesNotContain("policy after training 3", screen); // four prompts do not fit in 30 rows

        // When the user pages down, the last prompt comes into view; F8 hides the pane again.
        for (var i = 0; i < 10 && !h.Screen().Contains("policy after training 3"); i++) h.Press(Key.PageDown);
        screen = h.Screen();
        Assert.Contains("policy after training 3", screen);
        Assert.DoesNotContain("Question 0?", screen);
        h.Press(Key.F8);
        Assert.DoesNotContain("Samples (policy at step 20)", h.Screen());
    }

    [Fact]
    public void Given_a_long_completion_When_the_pane_is_laid_out_Then_every_line_fits_the_width_and_no_text_is_lost()
    {
        var words = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{i}"));
        var s = DashboardReducer.Reduce(DashboardState.Initial(), new SamplesGenerated(3, [Sample(0, SampleSource.Policy, words)], 1));

        var lines = SamplesPane.Lines(s, 40);

        Assert.All(lines, l => Assert.True(l.Length <= 40, l));
        var policy = lines.SkipWhile(l => l != "policy (step 3):").Skip(1).Select(l => l.Trim());
        Assert.Equal(words, string.Join(' ', policy));
        Assert.Contains("    a·b", SamplesPane.Lines(DashboardReducer.Reduce(DashboardState.Initial(),
            new SamplesGenerated(3, [Sample(0, SampleSource.Policy, "a\u0005b")], 1)), 40));
        Assert.Contains("(not generated: only at step 0 of a run)", string.Join(' ', lines.Select(l => l.Trim())));
    }
}
