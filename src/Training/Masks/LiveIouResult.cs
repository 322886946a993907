using DeltaTui.Core.Events;

namespace DeltaTui.Training.Masks;

/// <summary>What one live IoU update produced: a snapshot to publish, or the failure to publish instead.</summary>
public sealed record LiveIouResult(IouSnapshot? Snapshot, IouFailed? Failure)
{
    public RunEvent Event => (RunEvent?)Snapshot ?? Failure!;
}
