using DeltaTui.Core.Events;
using DeltaTui.Training.Sinks;
using Xunit;

namespace DeltaTui.Training.Tests.Sinks;

public class ConsoleSinkTests
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static StepCompleted Step(int step) => new(step, 100, new Dictionary<string, double>
    {
        ["loss"] = 0.69314, ["rewards/margins"] = 0.1234, ["rewards/accuracies"] = 0.5, ["tokens_per_second"] = 12345.6,
    });

    [Fact]
    public async Task Given_steps_one_second_apart_When_printed_Then_line_shows_progress_and_eta_from_the_step_rate()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var output = new StringWriter();
        var sink = new ConsoleSink(output, TimeSpan.Zero, clock);
        await sink.HandleAsync(Step(1), TestContext.Current.CancellationToken);
        clock.Now += TimeSpan.FromSeconds(10);
        await sink.HandleAsync(Step(11), TestContext.Current.CancellationToken);   // 1 s per step, 89 steps left

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("step 1/100  loss 0.6931  margin 0.123  acc 0.50  tok/s 12,346", lines[0].TrimEnd());
        Assert.Equal("step 11/100  loss 0.6931  margin 0.123  acc 0.50  tok/s 12,346  ETA 1m29s", lines[1].TrimEnd());
    }

    [Fact]
    public async Task Given_a_minimum_interval_When_steps_come_faster_Then_intermediate_ones_are_dropped_but_saves_are_not()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var output = new StringWriter();
        var sink = new ConsoleSink(output, TimeSpan.FromSeconds(1), clock);
        await sink.HandleAsync(Step(1), TestContext.Current.CancellationToken);
        clock.Now += TimeSpan.FromMilliseconds(100);
        await sink.HandleAsync(Step(2), TestContext.Current.CancellationToken);
        await sink.HandleAsync(new MaskSaved(2, "fisher", "masks/run/fisher-step2.pt", 0.9), TestContext.Current.CancellationToken);
        clock.Now += TimeSpan.FromSeconds(1);
        await sink.HandleAsync(Step(3), TestContext.Current.CancellationToken);
        await sink.HandleAsync(Step(100), TestContext.Current.CancellationToken);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("step 1/100", lines[0]);
        Assert.StartsWith("saved fisher mask (sparsity 0.9) @ 2", lines[1]);
        Assert.StartsWith("step 3/100", lines[2]);
        Assert.StartsWith("step 100/100", lines[3]);
    }

    [Fact]
    public async Task Given_a_profile_summary_When_printed_Then_it_is_a_table_of_phases_with_their_share_and_the_total()
    {
        var output = new StringWriter();
        var sink = new ConsoleSink(output, TimeSpan.Zero);
        var medians = new Dictionary<string, double> { ["forward_policy"] = 30, ["backward"] = 50, ["optimizer"] = 20 };

        await sink.HandleAsync(new ProfileSummarized(10, 3, 7, medians, 100, "runs/x/profile.json"), TestContext.Current.CancellationToken);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("step profile: median ms over 7 of 10 steps (first 3 left out)", lines[0]);
        Assert.Equal(["forward_policy", "backward", "optimizer", "total"], lines[1..].Select(l => l.Trim().Split(' ')[0]));
        Assert.Contains("50.000", lines[2]);
        Assert.Contains("50.0%", lines[2]);
        Assert.Contains("100.000", lines[4]);
    }
}
