namespace DeltaTui.Training.Config;

/// <summary>One thing wrong with a configuration: the key (dotted, as written on the command line), where the bad value came from, and why it is bad.</summary>
public sealed record ConfigProblem(string Key, string Source, string Message)
{
    public override string ToString() => $"{Key}: {Message} ({Source})";
}
