using DeltaTui.Core.Events;
using DeltaTui.Dashboard;
using DeltaTui.Dashboard.State;
using DeltaTui.Dashboard.Views;
using Terminal.Gui.Input;
using Xunit;
using static DeltaTui.Tests.Dashboard.SampleEvents;

namespace DeltaTui.Tests.Dashboard;

public class LiveIouDashboardTests
{
    private static void Feed(DashboardHarness h, int steps = 40)
    {
        h.Post(Started(), Gpu(), new HostSnapshot(12.5, 1L << 30, 20L << 30, 24L << 30) { Time = T0 });
        for (int i = 1; i <= steps; i++) h.Post(Step(i, 0.69 - 0.005 * i));
        h.Post(Delta(steps), Iou(steps));
    }

    private static DashboardState Running() =>
        DashboardReducer.Reduce(DashboardState.Initial(), Started());

    [Fact]
    public void Given_the_key_table_When_each_key_is_looked_up_Then_it_is_in_the_help_and_the_status_line_and_is_handled()
    {
        var help = string.Join("\n", DashboardKeys.HelpLines());
        foreach (var binding in DashboardKeys.All)
        {
            var state = binding.Scope == KeyScope.StopPrompt ? DashboardReducer.Reduce(Running(), UiAction.AskStop) : Running();
            Assert.Contains(binding.Display, help);
            // Every key is named on the status line even at 80 columns (labels give way first).
            var status = DashboardWindow.StatusText(state, readOnly: false, width: 80);
            Assert.True(status.Length <= 80, $"status line is {status.Length} wide: {status}");
            Assert.Contains(binding.ShortName, status.Split(' ', StringSplitOptions.RemoveEmptyEntries).SelectMany(w => w.Split('/')));
            foreach (var key in binding.Keys)
                Assert.True(KeyMap.Map(key, state, readOnly: false) is not null, $"{key} ({binding.Display}) maps to no intent");
        }
    }

    [Fact]
    public void Given_a_running_run_with_help_open_When_Esc_is_pressed_Then_help_closes_and_the_run_goes_on()
    {
        using var h = new DashboardHarness(100, 30);
        Feed(h);
        h.Press(new Key('?'));
        Assert.True(h.Session.State.Ui.ShowHelp);
        Assert.Contains("this help", h.Screen());

        h.Press(Key.Esc);

        Assert.False(h.Session.State.Ui.ShowHelp);
        Assert.False(h.Session.State.Ui.ConfirmingStop);
        Assert.False(h.Session.ExitRequested);
        Assert.DoesNotContain("stop", h.Control.Calls);
        Assert.Equal(RunState.Running, h.Session.State.RunState);
    }

    [Fact]
    public void Given_the_jaccard_pane_When_j_is_pressed_twice_Then_per_tensor_iou_is_switched_on_then_off_in_the_trainer()
    {
        using var h = new DashboardHarness(100, 30);
        Feed(h);

        h.Press(Key.J);
        h.Press(Key.J);
        h.Press(Key.J);
        h.Press(Key.Esc);

        Assert.Equal(["iou-on", "iou-off", "iou-on", "iou-off"], h.Control.Calls);
        Assert.False(h.Session.State.Ui.ShowJaccard);
        Assert.False(h.Session.State.Ui.ConfirmingStop);
    }

    [Fact]
    public void Given_the_samples_pane_open_When_Esc_is_pressed_Then_the_pane_closes_and_the_run_goes_on()
    {
        using var h = new DashboardHarness(100, 30);
        Feed(h);
        h.Press(Key.G);
        Assert.True(h.Session.State.Ui.ShowSamples);

        h.Press(Key.Esc);

        Assert.False(h.Session.State.Ui.ShowSamples);
        Assert.False(h.Session.State.Ui.ConfirmingStop);
        Assert.False(h.Session.ExitRequested);
        Assert.Empty(h.Control.Calls);
    }

    [Fact]
    public void Given_the_jaccard_pane_open_When_g_opens_the_samples_pane_in_its_place_Then_per_tensor_iou_is_switched_off()
    {
        using var h = new DashboardHarness(100, 30);
        Feed(h);

        h.Press(Key.J);
        h.Press(Key.G);

        Assert.True(h.Session.State.Ui.ShowSamples);
        Assert.False(h.Session.State.Ui.ShowJaccard);
        Assert.Equal(["iou-on", "iou-off"], h.Control.Calls);
    }

    [Fact]
    public void Given_a_bsr_run_When_the_iou_panel_shows_momentum_vs_magnitude_Then_the_confined_note_is_there()
    {
        var s = Running();
        s = DashboardReducer.Reduce(s, new ActiveSetSelected(0, 10, 100, null, null, null, "first gradient |g|") { Time = T0 });
        s = DashboardReducer.Reduce(s, Iou(20));
        foreach (int width in new[] { 38, 48, 78 })
        {
            var lines = IouPanel.Render(s, width);
            Assert.Contains(lines, l => l.Contains("momentum vs magnitude*"));
            Assert.Contains(lines, l => l.Contains(IouPanel.ConfinedNote));
        }

        // A dense run has no note.
        var dense = DashboardReducer.Reduce(DashboardState.Initial(), Started() with { Optimizer = "adamw/native-cpu" });
        dense = DashboardReducer.Reduce(dense, Iou(20));
        Assert.DoesNotContain(IouPanel.Render(dense, 60), l => l.Contains(IouPanel.ConfinedNote));
    }

    [Fact]
    public void Given_a_bsr_run_When_drawn_at_any_size_Then_every_line_that_names_momentum_vs_magnitude_comes_with_the_note()
    {
        foreach (var (w, ht) in new[] { (80, 24), (100, 30), (160, 48) })
        {
            using var h = new DashboardHarness(w, ht);
            Feed(h);
            var screen = h.Screen();
            if (screen.Contains("momentum vs magnitude")) Assert.Contains("confined to", screen);
        }
    }

    [Fact]
    public void Given_norm_tensors_with_theta0_zero_When_the_delta_panel_is_drawn_Then_they_are_measured_and_never_NA()
    {
        var delta = new DeltaStatsComputed(10,
        [
            new TensorDelta("model.layers.0.input_layernorm.weight", 100, 0.14, double.PositiveInfinity, 0.02, 1.0),
            new TensorDelta("model.layers.0.self_attn.q_proj.weight", 10000, 0.05, 0.001, 0.001, 0.9),
            new TensorDelta("model.norm.weight", 64, 0.08, double.PositiveInfinity, 0.02, 1.0, ScaleRelativeNorm: 0.01),
        ]) { Time = T0 };
        var s = DashboardReducer.Reduce(Running(), delta);

        foreach (var (width, height) in new[] { (38, 8), (48, 12), (78, 20) })
        {
            var lines = DeltaPanel.Render(s, width, height);
            Assert.DoesNotContain(lines, l => l.Contains(Format.NotAvailable));
            Assert.True(lines.Count <= height, $"{lines.Count} lines in {height}");
        }
        // ‖Δ‖/‖1+θ0‖ = 0.14/√100 for θ0 = 0; the engine's value where it gave one.
        Assert.Equal(0.014, DeltaPanel.Relative(delta.Tensors[0]), 6);
        Assert.Equal(0.01, DeltaPanel.Relative(delta.Tensors[2]), 6);
        var top = DeltaPanel.Render(s, 78, 20).SkipWhile(l => !l.StartsWith("top changed")).Skip(1).First();
        Assert.Contains("L0.input_ln", top.Replace("model.layers.0.input_layernorm", "L0.input_ln"));
        var norms = DeltaPanel.Groups(delta.Tensors).Single(r => r.Name == "norms");
        Assert.True(norms.RelativeNorm > 0, "the norms group has a relative change");
    }

    [Fact]
    public void Given_a_paused_run_When_time_passes_Then_the_eta_stands_still()
    {
        var s = Running();
        for (int i = 1; i <= 10; i++) s = DashboardReducer.Reduce(s, Step(i));
        s = DashboardReducer.Reduce(s, new RunStateChanged(RunState.Paused) { Time = T0.AddSeconds(10) });
        string eta = HeaderView.Render(s)[1];

        s = DashboardReducer.Reduce(s, Gpu() with { Time = T0.AddSeconds(500) });

        string EtaOf(string line) => line.Split('│').Single(part => part.Contains("ETA")).Trim();
        Assert.Equal(EtaOf(eta), EtaOf(HeaderView.Render(s)[1]));
        Assert.Equal("ETA 03:10", EtaOf(eta));
    }

    [Fact]
    public void Given_the_breaker_flapping_When_its_warnings_arrive_Then_they_fold_into_one_line_with_a_count()
    {
        var s = Running();
        for (int i = 0; i < 30; i++)
            s = DashboardReducer.Reduce(s, new TelemetryBreakerChanged(-1, i % 2 == 0 ? "Open" : "HalfOpen", "NVML not found") { Time = T0.AddSeconds(i) });

        var breakerLines = s.Log.Items.Where(l => l.Text.Contains("telemetry breaker")).ToList();
        Assert.Single(breakerLines);
        Assert.Equal(30, breakerLines[0].Count);
        Assert.EndsWith("(×30)", LogPane.Line(breakerLines[0]));
    }

    [Fact]
    public void Given_a_run_of_60_steps_When_the_chart_is_scaled_Then_the_axis_ends_at_step_60()
    {
        var points = Enumerable.Range(1, 20).Select(i => new SeriesPoint(i, 0.5)).ToList();
        var scale = ChartScale.Fit([points], 30, 10, xEnd: 60);
        Assert.Equal(60, scale.XMax);
        Assert.True(scale.XMin + scale.StepsPerCell * 29 <= 60 + 1e-3, $"axis reaches {scale.XMin + scale.StepsPerCell * 29}");
    }

    public static TheoryData<int, int, string> SizesAndOverlays()
    {
        var data = new TheoryData<int, int, string>();
        foreach (var (w, h) in new[] { (80, 24), (100, 30), (160, 48) })
            foreach (var overlay in new[] { "none", "help", "jaccard", "stop", "per-tensor" })
                data.Add(w, h, overlay);
        return data;
    }

    [Theory]
    [MemberData(nameof(SizesAndOverlays))]
    public void Given_a_size_and_an_overlay_When_drawn_Then_each_panel_shows_its_title_and_data(int width, int height, string overlay)
    {
        using var h = new DashboardHarness(width, height);
        Feed(h);
        switch (overlay)
        {
            case "help": h.Press(new Key('?')); break;
            case "jaccard": h.Press(Key.J); break;
            case "stop": h.Press(Key.Q); break;
            case "per-tensor": h.Press(Key.D); break;
        }

        string screen = h.Screen();

        Assert.Contains("step 40/200", screen);
        switch (overlay)
        {
            case "help":
                foreach (var b in DashboardKeys.All) Assert.Contains(b.Display.Split(' ')[0], screen);
                Assert.Contains("this help", screen);
                break;
            case "jaccard":
                Assert.Contains("Jaccard", screen);
                Assert.Contains("fis/mag", width < JaccardPane.WideEnough ? screen : screen.Replace("fisher_vs_magnitude", "fis/mag"));
                break;
            case "stop":
                Assert.Contains("y/Enter", screen);
                break;
            default:
                Assert.Contains("Training", screen);
                Assert.Contains("loss 0.490", screen);
                Assert.Contains("Weight delta", screen);
                Assert.Contains("top changed", screen);
                Assert.Contains("Mask IoU", screen);
                Assert.Contains("0.412", screen);
                Assert.Contains("GPU0", screen);
                break;
        }
        Assert.DoesNotContain("N/A N/A", screen);
        // Every key of the status line is on screen.
        var status = screen.Split('\n').Last(l => l.Trim().Length > 0);
        foreach (var b in DashboardKeys.Applicable(h.Session.State, false)) Assert.Contains(b.ShortName, status);
    }
}
