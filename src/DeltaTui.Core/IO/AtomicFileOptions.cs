namespace DeltaTui.Core.IO;

/// <summary>
/// How hard <see cref="AtomicFile"/> tries before giving up. Network filesystems fail transiently
/// (stale handles, brief disconnects), so a few retries with exponential back-off ride those out.
/// </summary>
/// <param name="MaxRetries">Retries after the first attempt (0 = one attempt only).</param>
/// <param name="BaseDelay">Delay before the first retry; each later retry doubles it.</param>
public sealed record AtomicFileOptions(int MaxRetries = 4, TimeSpan? BaseDelay = null)
{
    public static AtomicFileOptions Default { get; } = new();

    public TimeSpan EffectiveBaseDelay => BaseDelay ?? TimeSpan.FromMilliseconds(100);
}
