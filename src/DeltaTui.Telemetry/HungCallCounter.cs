namespace DeltaTui.Telemetry;

/// <summary>NVML calls abandoned by a timeout that have not returned yet.</summary>
internal sealed class HungCallCounter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);

    public void Decrement() => Interlocked.Decrement(ref _count);
}
