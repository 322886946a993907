using System.Text;
using DeltaTui.Core.Events;
using DeltaTui.Training.Sinks;
using Xunit;

namespace DeltaTui.Training.Tests.Sinks;

public class TensorBoardSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tb-sink-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Given_step_and_iou_events_When_written_Then_an_event_file_holds_their_tags()
    {
        await using (var sink = new TensorBoardSink(_dir))
        {
            await sink.HandleAsync(new StepCompleted(1, 2, new Dictionary<string, double> { ["rewards/margins"] = 0.25, ["grad_norm"] = double.NaN }), TestContext.Current.CancellationToken);
            await sink.HandleAsync(new IouSnapshot(1, new Dictionary<string, double> { ["iou/fisher_vs_magnitude"] = 0.4 }, []), TestContext.Current.CancellationToken);
        }
        var files = Directory.GetFiles(_dir, "events.out.tfevents*", SearchOption.AllDirectories);
        var file = Assert.Single(files);
        var content = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
        Assert.Contains("rewards/margins", content);
        Assert.Contains("iou/fisher_vs_magnitude", content);
        Assert.DoesNotContain("grad_norm", content);
    }

    [Fact]
    public async Task Given_a_profiled_step_When_written_Then_each_phase_has_its_tag()
    {
        await using (var sink = new TensorBoardSink(_dir))
            await sink.HandleAsync(new StepProfiled(3, false, new Dictionary<string, double> { ["forward_policy"] = 12.5, ["backward"] = 20 }, 32.5),
                TestContext.Current.CancellationToken);
        var content = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(_dir, "events.out.tfevents*", SearchOption.AllDirectories)),
            TestContext.Current.CancellationToken));
        Assert.Contains("profile/forward_policy_ms", content);
        Assert.Contains("profile/backward_ms", content);
        Assert.Contains("profile/total_ms", content);
    }

    [Fact]
    public async Task Given_sample_completions_When_written_Then_each_is_a_text_summary_tagged_by_model_and_prompt()
    {
        var sample = new SampleCompletion(1, SampleSource.Policy, "Which is larger?", "Two.", "One.", "Two is larger", 4, true);
        await using (var sink = new TensorBoardSink(_dir))
            await sink.HandleAsync(new SamplesGenerated(20, [sample, sample with { Who = SampleSource.Reference, Completion = "Maybe one" }], 5),
                TestContext.Current.CancellationToken);
        var content = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(_dir, "events.out.tfevents*", SearchOption.AllDirectories)),
            TestContext.Current.CancellationToken));
        Assert.Contains("samples/policy/1", content);
        Assert.Contains("samples/reference/1", content);
        Assert.Contains("Two is larger", content);
        Assert.Contains("Maybe one", content);
        Assert.Contains("Which is larger?", content);
    }
}
