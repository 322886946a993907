using DeltaTui.Core.Events;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// Writes profile.json (training.profile) from the run's profile summary, the medians the trainer derives from the
/// <see cref="StepProfiled"/> events it publishes (<see cref="StepProfile"/>): to the path the summary names, with
/// the device of <see cref="RunStarted"/>. A failed write reaches the sink runner's error report, never the training.
/// </summary>
public sealed class ProfileSink : IEventSink
{
    private string _device = "unknown";

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case RunStarted started:
                _device = started.Device;
                break;
            case ProfileSummarized summary:
                StepProfile.Write(summary, _device);
                break;
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
