using DeltaTui.Core.Events;
using Xunit;

namespace DeltaTui.Training.Tests.Events;

public class RunEventJsonTests
{
    [Fact]
    public void Given_every_training_event_When_serialized_and_read_back_Then_it_is_equal_in_content()
    {
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        RunEvent[] events =
        [
            new RunStarted("demo", "embedded-tiny", "cpu", 100, "runs/demo", 1234, "adamw", "sigmoid") { Time = time },
            new StepCompleted(3, 100, new Dictionary<string, double> { ["loss"] = 0.69, ["rewards/margins"] = double.NaN }) { Time = time },
            new DeltaStatsComputed(5, [new TensorDelta("model.layers.0.mlp.up_proj.weight", 10, 0.1, 0.01, 0.05, 0.5)]) { Time = time },
            new IouSnapshot(5, new Dictionary<string, double> { ["iou/fisher_vs_magnitude"] = 0.25 },
                [new TensorIou("fisher_vs_magnitude", "w", 4, 4, 2, 6, 1.0 / 3, 0.5, 0.5, 0.1)]) { Time = time },
            new RunStateChanged(RunState.Paused, "by user") { Time = time },
            new StepProfiled(4, false, new Dictionary<string, double> { ["forward_policy"] = 12.5, ["backward"] = 20.25 }, 32.75) { Time = time },
            new ProfileSummarized(10, 3, 7, new Dictionary<string, double> { ["forward_policy"] = 12.5, ["optimizer"] = double.NaN }, 40, "runs/demo/profile.json") { Time = time },
            new RunFinished(100, "runs/demo", ["masks/demo/fisher-step100.pt"], Stopped: true) { Time = time },
        ];
        foreach (var e in events)
        {
            string line = RunEventJson.Serialize(e);
            Assert.StartsWith("{\"type\":\"" + e.GetType().Name + "\"", line);
            Assert.True(RunEventJson.TryDeserialize(line, out var back, out var error), error);
            Assert.Equal(RunEventJson.Serialize(e), RunEventJson.Serialize(back!));
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"step\":1}")]
    [InlineData("{\"type\":\"NoSuchEvent\"}")]
    [InlineData("{\"type\":\"StepCompleted\",\"step\":\"x\"}")]
    public void Given_a_malformed_line_When_read_Then_it_is_rejected_with_a_reason(string line)
    {
        Assert.False(RunEventJson.TryDeserialize(line, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
