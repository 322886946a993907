using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Terminal.Gui.Input;
using Xunit;
using static DeltaTui.Tests.Dashboard.SampleEvents;

namespace DeltaTui.Tests.Dashboard;

public class DashboardViewTests
{
    private static void Feed(DashboardHarness h, int steps = 40)
    {
        h.Post(Started(), Gpu(), new HostSnapshot(12.5, 1L << 30, 20L << 30, 24L << 30) { Time = T0 });
        for (int i = 1; i <= steps; i++) h.Post(Step(i, 0.69 - 0.005 * i));
        h.Post(Delta(steps), Iou(steps));
    }

    [Fact]
    public void Given_a_drawn_dashboard_When_only_the_gpu_reading_changes_Then_only_what_shows_it_is_marked_for_redraw()
    {
        // Given a dashboard drawn with a running training
        using var h = new DashboardHarness(160, 48);
        Feed(h);
        h.Screen();
        Assert.False(MarkedForRedraw(h.Window), "nothing is left to draw after a draw");

        // When a GPU snapshot with other numbers arrives and the window takes the new state
        var gpu = Gpu();
        h.Post(gpu with { Gpus = [gpu.Gpus[0] with { UtilizationGpuPercent = 12 }] });
        h.Session.DrawNow();

        // Then the GPU panel is marked, the window and the unchanged training chart are not (a full repaint per
        // update was most of the UI's work)
        Assert.True(MarkedForRedraw(h.Window.Gpu), "the GPU panel shows the new reading");
        Assert.False(MarkedForRedraw(h.Window.Training), "the training panel's legend and series did not change");
        Assert.False(h.Window.NeedsDraw, "the window as a whole is not repainted");
    }

    [Fact]
    public void Given_a_drawn_dashboard_When_the_terminal_is_resized_without_a_new_event_Then_it_shows_what_a_fresh_one_of_that_size_shows()
    {
        // Given a dashboard drawn at 80 x 24
        using var resized = new DashboardHarness(80, 24);
        Feed(resized);
        resized.Screen();

        // When the terminal grows to 200 x 60 and the UI redraws (no event in between)
        resized.App.Driver!.SetScreenSize(200, 60);
        string screen = resized.Screen();

        // Then every panel is laid out for the new size, as in a dashboard that started at it
        using var fresh = new DashboardHarness(200, 60);
        Feed(fresh);
        Assert.Equal(fresh.Screen(), screen);
    }

    private static bool MarkedForRedraw(Terminal.Gui.ViewBase.View view) => view.NeedsDraw || view.SubViews.Any(MarkedForRedraw);

    [Theory]
    [InlineData(80, 24)]
    [InlineData(200, 60)]
    public void Given_a_running_training_When_drawn_at_a_size_Then_every_panel_shows_its_data(int width, int height)
    {
        using var h = new DashboardHarness(width, height);
        Feed(h);

        string screen = h.Screen();

        Assert.Contains("demo-run", screen);
        Assert.Contains("step 40/200", screen);
        Assert.Contains("RUNNING", screen);
        Assert.Contains("Training", screen);
        Assert.Contains("loss 0.490", screen);
        Assert.Contains("GPU0", screen);
        Assert.Contains("Weight delta", screen);
        Assert.Contains("Mask IoU", screen);
        Assert.Contains("0.412", screen);
        Assert.Contains("Log", screen);
        Assert.Contains(width >= 120 ? "s/F3 save masks" : "s save masks", screen);
        var lines = screen.Split('\n');
        Assert.True(lines.Length >= height, $"screen has {lines.Length} lines");
    }

    [Fact]
    public void Given_a_wide_terminal_When_drawn_Then_the_delta_groups_and_gpu_details_fit()
    {
        using var h = new DashboardHarness(200, 60);
        Feed(h);

        string screen = h.Screen();

        Assert.Contains("attn q", screen);
        Assert.Contains("mlp down", screen);
        Assert.Contains("top changed", screen);
        Assert.Contains("312/700 W", screen);
        Assert.Contains("ours 29.0 GiB (pid 4242)", screen);
        Assert.Contains("host cpu 13%  rss 1.0 GiB", screen);
        Assert.Contains("fisher vs magnitude", screen);
    }

    [Fact]
    public void Given_the_size_changes_When_redrawn_Then_the_layout_follows_the_new_size()
    {
        using var h = new DashboardHarness(80, 24);
        Feed(h);
        h.Screen();

        h.App.Driver!.SetScreenSize(160, 50);
        string screen = h.Screen();

        Assert.True(h.Window.Frame.Width == 160 && h.Window.Frame.Height == 50, $"window is {h.Window.Frame}");
        Assert.True(h.Window.Gpu.Frame.Width >= 75, $"gpu panel is {h.Window.Gpu.Frame}");
        Assert.Contains("GPU0", screen);
    }

    [Fact]
    public void Given_nvml_is_missing_When_drawn_Then_gpu_values_show_NA_with_the_reason()
    {
        using var h = new DashboardHarness(120, 40);
        h.Post(Started(), new GpuSnapshot([], "NVML not found (libnvidia-ml.so.1)", null) { Time = T0 });

        string screen = h.Screen();

        Assert.Contains("GPU: N/A - NVML not found (libnvidia-ml.so.1)", screen);
        Assert.Contains("N/A", GpuPanelLines(h));
    }

    private static string GpuPanelLines(DashboardHarness h) =>
        string.Join("\n", DeltaTui.Dashboard.Views.GpuPanel.Render(h.Session.State, 200));

    [Fact]
    public void Given_nvml_failed_after_a_good_sample_When_drawn_Then_the_time_of_the_last_good_sample_is_shown()
    {
        using var h = new DashboardHarness(200, 50);
        h.Post(Started(), new GpuSnapshot([], "NVML_ERROR_GPU_IS_LOST", T0) { Time = T0.AddSeconds(5) });

        Assert.Contains($"GPU: N/A - NVML_ERROR_GPU_IS_LOST (last good sample {T0.ToLocalTime():HH:mm:ss})", h.Screen());
    }

    [Fact]
    public void Given_one_gpu_field_failed_When_drawn_Then_that_value_is_NA_and_the_reason_is_listed()
    {
        using var h = new DashboardHarness(160, 50);
        var reading = Gpu().Gpus[0] with
        {
            PowerWatts = null,
            FieldErrors = new Dictionary<string, string> { ["power"] = "NVML_ERROR_NOT_SUPPORTED" },
        };
        h.Post(Started(), new GpuSnapshot([reading], null, T0) { Time = T0 });

        string screen = h.Screen();

        Assert.Contains("pwr N/A/700 W", screen);
        Assert.Contains("power NVML_ERROR_NOT_SUPPORTED", screen);
    }

    [Theory]
    [InlineData('j')]
    [InlineData('F')]
    public void Given_the_jaccard_pane_is_hidden_When_j_or_F2_is_pressed_Then_it_shows_the_per_tensor_table(char which)
    {
        using var h = new DashboardHarness(160, 50);
        Feed(h);
        Assert.DoesNotContain("Jaccard debug", h.Screen());

        h.Press(which == 'j' ? Key.J : Key.F2);
        string screen = h.Screen();

        Assert.True(h.Session.State.Ui.ShowJaccard);
        Assert.Contains("Jaccard debug", screen);
        Assert.Contains("model.layers.0.mlp.up_proj.weight", screen);
        Assert.Contains("0.2222", screen); // 40 / 180
        Assert.Contains("|A∪B|", screen);

        h.Press(which == 'j' ? Key.J : Key.F2);
        Assert.DoesNotContain("Jaccard debug", h.Screen());
    }

    [Fact]
    public void Given_debug_jaccard_at_start_When_drawn_Then_the_pane_is_visible_and_lists_iou_errors()
    {
        using var h = new DashboardHarness(160, 50, ui: new UiFlags(ShowJaccard: true));
        Feed(h);
        h.Post(new IouFailed(41, "shape mismatch in model.norm.weight") { Time = T0.AddSeconds(41) });

        string screen = h.Screen();

        Assert.Contains("Jaccard debug", screen);
        Assert.Contains("shape mismatch in model.norm.weight", screen);
    }

    [Fact]
    public void Given_the_jaccard_pane_When_o_is_pressed_Then_rows_are_sorted_the_other_way()
    {
        using var h = new DashboardHarness(160, 50, ui: new UiFlags(ShowJaccard: true));
        Feed(h);
        string ascending = h.Screen();
        Assert.True(ascending.IndexOf("mlp.up_proj", StringComparison.Ordinal) < ascending.IndexOf("self_attn.q_proj", StringComparison.Ordinal));

        h.Press(Key.O);
        string descending = h.Screen();

        Assert.Equal(JaccardSort.IouDescending, h.Session.State.Ui.JaccardSort);
        Assert.True(descending.IndexOf("self_attn.q_proj", StringComparison.Ordinal) < descending.IndexOf("mlp.up_proj", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_s_is_pressed_When_training_runs_Then_masks_are_requested_and_training_is_not_stopped()
    {
        using var h = new DashboardHarness();
        Feed(h);

        h.Press(Key.S);
        h.Press(Key.F3);

        Assert.Equal(["save", "save"], h.Control.Calls);
    }

    [Fact]
    public void Given_p_is_pressed_When_running_and_then_paused_Then_it_pauses_and_then_resumes()
    {
        using var h = new DashboardHarness();
        Feed(h);

        h.Press(Key.P);
        h.Post(new RunStateChanged(RunState.Paused) { Time = T0.AddSeconds(50) });
        Assert.Contains("PAUSED", h.Screen());
        h.Press(Key.F4);

        Assert.Equal(["pause", "resume"], h.Control.Calls);
    }

    [Fact]
    public void Given_q_is_pressed_When_running_Then_it_asks_and_n_keeps_training()
    {
        using var h = new DashboardHarness();
        Feed(h);

        h.Press(Key.Q);
        Assert.Contains("Stop training?", h.Screen());
        h.Press(Key.N);

        Assert.Empty(h.Control.Calls);
        Assert.DoesNotContain("Stop training?", h.Screen());
    }

    [Fact]
    public void Given_q_then_y_When_the_run_saves_and_finishes_Then_stop_is_requested_the_saves_shown_and_the_app_exits()
    {
        using var h = new DashboardHarness(120, 40);
        Feed(h);

        h.Press(Key.Esc);
        h.Press(Key.Y);
        Assert.Equal(["stop"], h.Control.Calls);
        Assert.Contains("STOPPING", h.Screen());
        h.Post(new MaskSaved(41, "fisher", "masks/demo-run/fisher-step41.pt", 0.9) { Time = T0.AddSeconds(42) },
               new RunFinished(41, "runs/demo-run", ["runs/demo-run/checkpoint-41"], Stopped: true) { Time = T0.AddSeconds(43) });

        string screen = h.Screen();

        Assert.Contains("SAVED", screen);
        Assert.Contains("masks/demo-run/fisher-step41.pt", screen);
        Assert.True(h.Session.ExitRequested);
    }

    [Fact]
    public void Given_the_run_finished_When_q_is_pressed_Then_it_exits_without_asking()
    {
        using var h = new DashboardHarness();
        Feed(h);
        h.Post(new RunFinished(200, "runs/demo-run", [], Stopped: false) { Time = T0.AddSeconds(300) });

        h.Press(Key.Q);

        Assert.True(h.Session.ExitRequested);
        Assert.Empty(h.Control.Calls);
    }

    [Fact]
    public void Given_help_delta_and_smoothing_keys_When_pressed_Then_each_toggles_its_view()
    {
        using var h = new DashboardHarness(160, 50);
        Feed(h);

        h.Press(new Key('?'));
        Assert.Contains("this help", h.Screen());
        h.Press(Key.F1);
        Assert.DoesNotContain("this help", h.Screen());

        h.Press(Key.D);
        Assert.Contains("per tensor", h.Screen());
        Assert.Contains("model.layers.0.mlp.down_proj.weight", h.Screen());
        h.Press(Key.F5);
        Assert.Contains("per group", h.Screen());

        h.Press(Key.M);
        Assert.Contains("[smoothed]", h.Screen());
        h.Press(Key.F6);
        Assert.DoesNotContain("[smoothed]", h.Screen());

        h.Press(Key.L.WithCtrl);
        Assert.Empty(h.Control.Calls);
    }

    [Fact]
    public void Given_a_replay_When_s_p_or_q_are_pressed_Then_nothing_reaches_a_trainer_and_q_leaves()
    {
        using var h = new DashboardHarness(readOnly: true);
        Feed(h);

        h.Press(Key.S);
        h.Press(Key.P);
        Assert.Contains("REPLAY", h.Screen());
        h.Press(Key.Q);

        Assert.Empty(h.Control.Calls);
        Assert.True(h.Session.ExitRequested);
    }
}
