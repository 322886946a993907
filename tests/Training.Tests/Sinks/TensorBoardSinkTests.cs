using System.Text;
using DeltaTui.Training.Events;
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
}
