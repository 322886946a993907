using System.Threading.Channels;
using DeltaTui.Dashboard;
using DeltaTui.Dashboard.State;
using DeltaTui.Core.Events;
using Xunit;
using static DeltaTui.Tests.Dashboard.SampleEvents;

namespace DeltaTui.Tests.Dashboard;

public sealed class ReplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deltatui-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Given_a_runs_metrics_file_When_replayed_Then_the_state_is_what_the_live_dashboard_had()
    {
        RunEvent[] events = [Started(), Step(1, 0.69), Step(2, 0.6), Delta(2), Iou(2), new RunFinished(2, "runs/demo-run", [], false) { Time = T0.AddSeconds(3) }];
        File.WriteAllLines(Path.Combine(_dir, "metrics.jsonl"), events.Select(RunEventJson.Serialize).Append("{\"type\":\"Nope\"}").Append("garbage"));
        var live = events.Aggregate(DashboardState.Initial(), DashboardReducer.Reduce);

        var reader = new RunLogReader(RunLogReader.Locate(_dir));
        var replayed = reader.ReadAll().Aggregate(DashboardState.Initial(), DashboardReducer.Reduce);

        Assert.Equal(DashboardText.Render(live), DashboardText.Render(replayed));
        Assert.Equal(RunState.Finished, replayed.RunState);
        Assert.Equal(2, reader.Problems.Count);
        Assert.Contains("metrics.jsonl:7: unknown event type \"Nope\"", reader.Problems[0]);
        Assert.Contains("metrics.jsonl:8:", reader.Problems[1]);
    }

    [Fact]
    public void Given_no_metrics_file_When_located_Then_the_error_names_the_path()
    {
        var e = Assert.Throws<FileNotFoundException>(() => RunLogReader.Locate(_dir));
        Assert.Contains(Path.Combine(_dir, "metrics.jsonl"), e.Message);
    }

    [Fact]
    public async Task Given_a_running_run_When_watched_Then_lines_appended_later_arrive_and_half_lines_wait()
    {
        string file = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllText(file, RunEventJson.Serialize(Started()) + "\n");
        var channel = Channel.CreateUnbounded<RunEvent>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var follow = new RunLogReader(file).FollowAsync(channel.Writer, TimeSpan.FromMilliseconds(20), cts.Token);

        Assert.IsType<RunStarted>(await channel.Reader.ReadAsync(cts.Token));
        string step = RunEventJson.Serialize(Step(1));
        File.AppendAllText(file, step[..10]);
        await Task.Delay(100, cts.Token);
        Assert.False(channel.Reader.TryRead(out _));
        File.AppendAllText(file, step[10..] + "\n");
        var e = await channel.Reader.ReadAsync(cts.Token);

        Assert.Equal(1, Assert.IsType<StepCompleted>(e).Step);
        cts.Cancel();
        await follow;
    }

    [Theory]
    [InlineData("xterm-256color", null, false, false, true, false)]
    [InlineData("screen-256color", null, false, false, true, false)]
    [InlineData("linux", null, false, false, true, true)]
    [InlineData("dumb", null, false, false, false, true)]
    [InlineData(null, null, false, false, false, false)]
    [InlineData("xterm-256color", null, false, true, false, false)]
    public void Given_a_terminal_When_detected_Then_headless_and_colours_follow_TERM_and_the_tty(
        string? term, string? noColor, bool inRedirected, bool outRedirected, bool interactive, bool sixteen)
    {
        var caps = TerminalCapabilities.Detect(term, noColor, inRedirected, outRedirected);

        Assert.Equal(interactive, caps.Interactive);
        Assert.Equal(sixteen, caps.SixteenColors);
        Assert.Equal(interactive, caps.HeadlessReason is null);
    }

    [Fact]
    public void Given_NO_COLOR_When_detected_Then_colour_is_off()
    {
        Assert.True(TerminalCapabilities.Detect("xterm-256color", "1", false, false).NoColor);
    }
}
