namespace DeltaTui.Formats.Tokenization;

/// <summary>A tokenizer file that cannot be used; the message names the file and what is wrong where.</summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    public string FilePath { get; }
}
