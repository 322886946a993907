using System.Threading.Channels;

namespace DeltaTui.Core.Events;

/// <summary>
/// Fan-out of immutable events from publishers (the trainer, telemetry collectors) to any number
/// of subscribers (JSONL, TensorBoard, console, dashboard). Publishing never blocks: each
/// subscriber owns an unbounded channel and is expected to drain it promptly (sinks coalesce
/// or drop intermediate state themselves; events marked MustDeliver are never dropped here).
/// </summary>
public sealed class EventHub
{
    private readonly object _gate = new();
    private ImmutableSubscribers _subscribers = ImmutableSubscribers.Empty;
    private bool _completed;

    public ChannelReader<RunEvent> Subscribe()
    {
        var channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        lock (_gate)
        {
            if (_completed) channel.Writer.TryComplete();
            else _subscribers = _subscribers.Add(channel);
        }
        return channel.Reader;
    }

    public void Publish(RunEvent e)
    {
        foreach (var channel in _subscribers.Items) channel.Writer.TryWrite(e);
    }

    /// <summary>No more events: every subscriber's reader completes after draining.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            foreach (var channel in _subscribers.Items) channel.Writer.TryComplete();
        }
    }

    private sealed record ImmutableSubscribers(Channel<RunEvent>[] Items)
    {
        public static readonly ImmutableSubscribers Empty = new(Array.Empty<Channel<RunEvent>>());
        public ImmutableSubscribers Add(Channel<RunEvent> c) => new([.. Items, c]);
    }
}
