using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Training.Sinks;
using Xunit;

namespace DeltaTui.Training.Tests.Sinks;

public class JsonlSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jsonl-sink-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Given_events_When_written_Then_each_line_is_an_object_with_type_time_step_and_metrics()
    {
        var path = Path.Combine(_dir, "metrics.jsonl");
        var hub = new EventHub();
        var drained = EventSinkRunner.RunAsync(hub, new JsonlSink(path), cancellationToken: TestContext.Current.CancellationToken);
        hub.Publish(new StepCompleted(3, 10, new Dictionary<string, double> { ["loss"] = 0.5, ["grad_norm"] = double.NaN }));
        hub.Publish(new EvalCompleted(3, new Dictionary<string, double> { ["eval/rewards/accuracies"] = 0.75 }));
        hub.Publish(new StepSkipped(4, "non-finite loss", 1, 1));
        hub.Complete();
        await drained;

        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(3, lines.Length);
        using var step = JsonDocument.Parse(lines[0]);
        Assert.Equal("StepCompleted", step.RootElement.GetProperty("type").GetString());
        Assert.True(DateTimeOffset.TryParse(step.RootElement.GetProperty("time").GetString(), out _));
        Assert.Equal(3, step.RootElement.GetProperty("step").GetInt32());
        Assert.Equal(10, step.RootElement.GetProperty("total_steps").GetInt32());
        Assert.Equal(0.5, step.RootElement.GetProperty("metrics").GetProperty("loss").GetDouble());
        Assert.Equal("NaN", step.RootElement.GetProperty("metrics").GetProperty("grad_norm").GetString());
        using var eval = JsonDocument.Parse(lines[1]);
        Assert.Equal(0.75, eval.RootElement.GetProperty("metrics").GetProperty("eval/rewards/accuracies").GetDouble());
        using var skipped = JsonDocument.Parse(lines[2]);
        Assert.Equal("non-finite loss", skipped.RootElement.GetProperty("reason").GetString());
        Assert.False(skipped.RootElement.TryGetProperty("must_deliver", out _));
        Assert.True(RunEventJson.TryDeserialize(lines[0], out var back, out _));
        Assert.Equal(0.5, Assert.IsType<StepCompleted>(back).Metrics["loss"]);
    }

    [Fact]
    public async Task Given_an_existing_log_When_a_resumed_run_writes_Then_lines_are_appended()
    {
        var path = Path.Combine(_dir, "metrics.jsonl");
        await File.WriteAllTextAsync(path, "{\"type\":\"StepCompleted\"}\n", TestContext.Current.CancellationToken);
        await using (var sink = new JsonlSink(path))
            await sink.HandleAsync(new RunStateChanged(RunState.Running), TestContext.Current.CancellationToken);
        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"state\":\"running\"", lines[1]);
    }
}
