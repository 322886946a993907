namespace DeltaTui.Training.Data;

/// <summary>
/// Where a <see cref="PreferenceBatcher"/> stands: the epoch and how many pairs of that epoch's order have
/// been served. Saved with a checkpoint, it makes a resumed run draw the same next batch.
/// </summary>
public readonly record struct DataPosition(int Epoch, int Index)
{
    public override string ToString() => $"epoch {Epoch}, pair {Index}";
}
