using DeltaTui.Core.Events;

namespace DeltaTui.Training.Sinks;

/// <summary>The sinks that write a run's own files from its events (delta_log.jsonl, samples.jsonl, profile.json).</summary>
public static class RunFileSinks
{
    /// <summary>Starts them on <paramref name="hub"/>; each task ends once the hub completes and the sink has drained.</summary>
    public static IReadOnlyList<Task> Start(EventHub hub, string runDirectory, Action<Exception>? onError = null) =>
    [
        EventSinkRunner.RunAsync(hub, new DeltaLogSink(runDirectory), onError),
        EventSinkRunner.RunAsync(hub, new SamplesSink(runDirectory), onError),
        EventSinkRunner.RunAsync(hub, new ProfileSink(), onError),
    ];
}
