namespace DeltaTui.Gemma;

/// <summary>A checkpoint folder whose tensors do not fit the model; lists every missing, unexpected or mis-shaped tensor.</summary>
public sealed class Gemma3CheckpointException : Exception
{
    public Gemma3CheckpointException(string path, IReadOnlyList<string> problems)
        : base($"{path}: the checkpoint does not match the Gemma-3 model:\n  " + string.Join("\n  ", problems.Take(20))
               + (problems.Count > 20 ? $"\n  … and {problems.Count - 20} more" : ""))
    {
        CheckpointPath = path;
        Problems = problems;
    }

    public string CheckpointPath { get; }

    public IReadOnlyList<string> Problems { get; }
}
