namespace DeltaTui.Core.Events;

/// <summary>
/// Base of everything the engine and the collectors publish. Events are immutable records:
/// sinks and the dashboard may hold on to them without copying.
/// </summary>
public abstract record RunEvent
{
    public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>True for events a consumer must never drop when it falls behind (saves, errors, finish).</summary>
    public virtual bool MustDeliver => false;
}
