namespace DeltaTui.Core.Events;

/// <summary>A subscriber that consumes the event stream until it completes (JSONL file, TensorBoard, console line).</summary>
public interface IEventSink : IAsyncDisposable
{
    ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken);
}

public static class EventSinkRunner
{
    /// <summary>Drains a subscription into a sink on a background task. Sink failures are reported, never thrown into the trainer.</summary>
    public static Task RunAsync(EventHub hub, IEventSink sink, Action<Exception>? onError = null, CancellationToken cancellationToken = default)
    {
        var reader = hub.Subscribe();
        return Task.Run(async () =>
        {
            try
            {
                await foreach (var e in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    try { await sink.HandleAsync(e, cancellationToken).ConfigureAwait(false); }
                    catch (Exception ex) when (ex is not OperationCanceledException) { onError?.Invoke(ex); }
                }
            }
            catch (OperationCanceledException) { }
            finally { await sink.DisposeAsync().ConfigureAwait(false); }
        }, CancellationToken.None);
    }
}
