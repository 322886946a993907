namespace DeltaTui.Training.Data;

/// <summary>The two files of the embedded demo preference set.</summary>
public enum DemoSplit
{
    Train,
    Eval,
}
