using DeltaTui.Dashboard;
using DeltaTui.Dashboard.State;
using DeltaTui.Dashboard.Views;
using DeltaTui.Core.Events;
using Terminal.Gui.Input;
using Xunit;
using static DeltaTui.Tests.Dashboard.SampleEvents;

namespace DeltaTui.Tests.Dashboard;

public class DashboardStateTests
{
    [Fact]
    public void Given_step_events_When_folded_Then_series_header_and_rates_follow_the_newest_step()
    {
        var s = DashboardReducer.Reduce(DashboardState.Initial(), Started(100));
        for (int i = 1; i <= 10; i++) s = DashboardReducer.Reduce(s, Step(i, 0.7 - 0.01 * i, 100));

        Assert.Equal(10, s.Step);
        Assert.Equal(100, s.TotalSteps);
        Assert.Equal(10, s.Loss.Count);
        Assert.Equal(0.6, s.Loss.Items[^1].Value, 12);
        Assert.Equal(4321, s.TokensPerSecond);
        Assert.Equal(RunState.Running, s.RunState);
        Assert.Equal(T0.AddSeconds(10), s.Now);
    }

    [Fact]
    public void Given_a_finished_run_and_telemetry_after_it_When_drawing_the_header_Then_elapsed_is_the_run_duration_until_a_resume_starts_again()
    {
        var s = DashboardState.Initial();
        foreach (var e in new RunEvent[] { Started(), Step(90, total: 90) }) s = DashboardReducer.Reduce(s, e);
        s = DashboardReducer.Reduce(s, new RunFinished(90, "runs/demo-run", [], Stopped: false) { Time = T0.AddSeconds(95) });
        s = DashboardReducer.Reduce(s, new HostSnapshot(3, 1L << 30, 20L << 30, 24L << 30) { Time = T0.AddMinutes(10) });

        Assert.Contains("elapsed 01:35", HeaderView.Render(s)[1]);

        // and a resumed run appending to the same metrics counts from its own start again
        s = DashboardReducer.Reduce(s, Started() with { Time = T0.AddMinutes(20) });
        s = DashboardReducer.Reduce(s, Step(100, total: 200) with { Time = T0.AddMinutes(21) });
        Assert.Contains("elapsed 01:00", HeaderView.Render(s)[1]);
    }

    [Fact]
    public void Given_more_points_than_the_capacity_When_folded_Then_only_the_newest_are_kept()
    {
        var b = new Bounded<int>(3);
        for (int i = 0; i < 10; i++) b = b.Add(i);

        Assert.Equal([7, 8, 9], b.Items.ToArray());
    }

    [Fact]
    public void Given_saves_skips_and_breaker_changes_When_folded_Then_each_reaches_the_log()
    {
        var s = DashboardState.Initial();
        s = DashboardReducer.Reduce(s, new StepSkipped(7, "non-finite gradients", 1, 1) { Time = T0 });
        s = DashboardReducer.Reduce(s, new MaskSaved(8, "momentum", "masks/r/momentum-step8.pt", 0.9) { Time = T0 });
        s = DashboardReducer.Reduce(s, new CheckpointSaved(8, "runs/r/checkpoint-8") { Time = T0 });
        s = DashboardReducer.Reduce(s, new TelemetryBreakerChanged(0, "Open", "timeout") { Time = T0 });

        var text = string.Join("\n", s.Log.Items.Select(l => l.Text));
        Assert.Contains("step 7 skipped (non-finite gradients)", text);
        Assert.Contains("masks/r/momentum-step8.pt", text);
        Assert.Contains("runs/r/checkpoint-8", text);
        Assert.Contains("telemetry breaker for GPU 0: Open (timeout)", text);
        Assert.Equal(1, s.SkippedSteps);
        Assert.Equal("Open", s.BreakerStates[0]);
    }

    [Fact]
    public void Given_an_iou_snapshot_without_the_table_When_folded_Then_the_last_table_is_kept_and_history_grows()
    {
        var s = DashboardReducer.Reduce(DashboardState.Initial(), Iou(10));
        s = DashboardReducer.Reduce(s, new IouSnapshot(20, new Dictionary<string, double> { ["iou/fisher_vs_magnitude"] = 0.3 }, []) { Time = T0 });

        Assert.Equal(2, s.Iou!.PerTensor.Count);
        Assert.Equal(2, s.IouHistory["iou/fisher_vs_magnitude"].Count);
        Assert.False(s.IouHistory.ContainsKey("iou/fisher_vs_magnitude/chance"));
    }

    [Theory]
    [InlineData('s', DashboardIntent.SaveMasks)]
    [InlineData('p', DashboardIntent.TogglePause)]
    [InlineData('q', DashboardIntent.AskStop)]
    [InlineData('j', DashboardIntent.ToggleJaccard)]
    [InlineData('g', DashboardIntent.ToggleSamples)]
    [InlineData('d', DashboardIntent.ToggleDeltaPerTensor)]
    [InlineData('m', DashboardIntent.ToggleSmoothing)]
    [InlineData('o', DashboardIntent.CycleJaccardSort)]
    [InlineData('?', DashboardIntent.ToggleHelp)]
    public void Given_a_letter_shortcut_When_mapped_Then_it_has_its_intent(char letter, DashboardIntent expected)
    {
        Assert.Equal(expected, KeyMap.Map(new Key(letter), DashboardState.Initial(), readOnly: false));
    }

    [Fact]
    public void Given_each_function_key_When_mapped_Then_it_matches_its_letter_twin()
    {
        var s = DashboardState.Initial();
        (Key f, char letter)[] twins = [(Key.F1, '?'), (Key.F2, 'j'), (Key.F3, 's'), (Key.F4, 'p'), (Key.F5, 'd'), (Key.F6, 'm'), (Key.F7, 'o'), (Key.F8, 'g'), (Key.F10, 'q'), (Key.Esc, 'q')];
        foreach (var (f, letter) in twins)
            Assert.Equal(KeyMap.Map(new Key(letter), s, false), KeyMap.Map(f, s, false));
        Assert.Equal(DashboardIntent.Redraw, KeyMap.Map(Key.L.WithCtrl, s, false));
    }

    [Fact]
    public void Given_ctrl_c_When_running_Then_it_stops_without_asking_like_SIGINT()
    {
        Assert.Equal(DashboardIntent.ConfirmStop, KeyMap.Map(Key.C.WithCtrl, DashboardState.Initial(), false));
        Assert.Equal(DashboardIntent.Quit, KeyMap.Map(Key.C.WithCtrl, DashboardState.Initial(), true));
    }

    [Fact]
    public void Given_the_stop_question_When_other_keys_are_pressed_Then_only_yes_or_no_count()
    {
        var asking = DashboardReducer.Reduce(DashboardState.Initial(), UiAction.AskStop);

        Assert.Null(KeyMap.Map(Key.S, asking, false));
        Assert.Equal(DashboardIntent.ConfirmStop, KeyMap.Map(Key.Y, asking, false));
        Assert.Equal(DashboardIntent.CancelStop, KeyMap.Map(Key.Esc, asking, false));
    }

    [Fact]
    public void Given_a_burst_of_ten_thousand_events_When_folded_and_drawn_Then_memory_stays_bounded_and_redraws_are_coalesced()
    {
        using var h = new DashboardHarness(120, 40);
        h.Post(Started(1_000_000), Gpu());
        void Burst(int from)
        {
            for (int i = from; i < from + 10_000; i++)
            {
                h.Post(i % 50 == 0 ? Iou(i) : i % 20 == 0 ? Gpu() with { Time = T0.AddSeconds(i) } : Step(i, 0.5, 1_000_000));
            }
        }

        Burst(1);
        h.Screen();
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long after1 = GC.GetTotalMemory(true);
        int requestsBefore = h.Session.DrawRequests;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Burst(10_001);
        double seconds = clock.Elapsed.TotalSeconds;
        int requestsForBurst = h.Session.DrawRequests - requestsBefore;
        string screen = h.Screen();
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long after2 = GC.GetTotalMemory(true);

        var s = h.Session.State;
        Assert.Equal(DashboardState.SeriesCapacity, s.Loss.Count);
        Assert.True(s.GpuUtilizationHistory[0].Count <= DashboardState.HistoryCapacity);
        Assert.True(s.Log.Count <= DashboardState.LogCapacity);
        Assert.True(after2 - after1 < 4 << 20, $"memory grew by {(after2 - after1) / 1024} KiB over the second burst");
        // At most MaxRedrawsPerSecond redraws a second whatever the event rate (plus the one in flight when the burst began).
        int allowed = 2 + (int)(seconds * DashboardSession.MaxRedrawsPerSecond);
        Assert.True(requestsForBurst <= allowed, $"{requestsForBurst} redraws requested for 10,000 events in {seconds:0.00} s");
        Assert.Contains("step 19999/1000000", screen); // 20000 is an IoU event
    }
}
