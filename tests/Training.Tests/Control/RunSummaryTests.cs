using Xunit;
using System.Net.Sockets;
using DeltaTui.Core.Control;
using DeltaTui.Core.Events;

namespace DeltaTui.Training.Tests.Control;

public sealed class RunSummaryTests
{
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(10);

    [Fact]
    public void Given_a_stopped_run_with_a_stale_socket_When_listed_Then_it_reads_stopped_with_step_and_loss_and_the_socket_is_cleaned()
    {
        var root = Directory.CreateTempSubdirectory("ctl-").FullName;
        try
        {
            var dir = Path.Combine(root, "old");
            Directory.CreateDirectory(ControlProtocol.ControlFolder(dir));
            var lines = new RunEvent[]
            {
                new RunStarted("old", "m", "cpu", 100, dir, 1, "adamw", "sigmoid"),
                ControlHarness.Step(1, 0.69), ControlHarness.Step(2, 0.42),
                new RunFinished(2, dir, [], Stopped: true),
            };
            File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), string.Concat(lines.Select(e => RunEventJson.Serialize(e) + "\n")));
            var socket = ControlProtocol.SocketPath(dir);
            ControlHarness.LeaveStaleSocket(socket);
            File.WriteAllText(Path.Combine(ControlProtocol.ControlFolder(dir), ControlProtocol.PidFileName), "999999\n");

            var summary = Assert.Single(RunSummaries.List(root, Probe));

            Assert.Equal(("old", "stopped", 2, 100, 0.42, (int?)null), (summary.Name, summary.State, summary.Step, summary.TotalSteps, summary.LastLoss, summary.Pid));
            Assert.Equal(lines[0].Time, summary.Started);
            Assert.Equal(lines[^1].Time, summary.LastUpdate);
            Assert.False(File.Exists(socket));
            Assert.False(File.Exists(Path.Combine(ControlProtocol.ControlFolder(dir), ControlProtocol.PidFileName)));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Given_a_run_whose_process_died_without_a_last_event_Then_it_reads_failed()
    {
        var root = Directory.CreateTempSubdirectory("ctl-").FullName;
        try
        {
            var dir = Path.Combine(root, "crashed");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), RunEventJson.Serialize(ControlHarness.Step(3)) + "\n{\"type\":\"StepComp");

            var summary = RunSummaries.Read(dir, Probe);

            Assert.Equal(("failed", 3), (summary.State, summary.Step));
            Assert.Contains("gone", summary.Note);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task Given_a_live_run_When_a_dashboard_attaches_Then_it_reads_running_and_detached_without_one()
    {
        using var run = new ControlHarness();
        run.Hub.Publish(new RunStateChanged(RunState.Running));

        var before = RunSummaries.Read(run.RunDirectory, Probe);
        await using var dashboard = await run.ConnectAsync();
        Assert.True((await dashboard.Subscribe()).Ok);
        var during = RunSummaries.Read(run.RunDirectory, Probe);

        Assert.Equal(("detached", Environment.ProcessId), (before.State, before.Pid));
        Assert.Equal("running", during.State);
        Assert.Contains("1 dashboard", during.Note);
        Assert.True(File.Exists(run.SocketPath));
    }
}
