namespace DeltaTui.Formats.SafeTensors;

/// <summary>
/// A safetensors file that breaks the format. The message names the file and the exact problem,
/// so a user can tell a truncated download from a file written by a buggy tool.
/// </summary>
public sealed class SafeTensorsFormatException : Exception
{
    public SafeTensorsFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: not a valid safetensors file: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    public string FilePath { get; }

    public string Problem { get; }
}
