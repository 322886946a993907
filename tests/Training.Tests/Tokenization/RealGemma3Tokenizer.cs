using DeltaTui.Formats.Tokenization;

namespace DeltaTui.Training.Tests.Tokenization;

/// <summary>
/// The real Gemma-3 tokenizer.json, loaded once per test class. The file is not in the repository: its path
/// comes from DELTATUI_GEMMA3_TOKENIZER, which ./run-tests sets after scripts/fetch-test-data.sh fetched it.
/// Without it the tests fail (never pass silently) and say how to get it.
/// </summary>
public sealed class RealGemma3Tokenizer
{
    public const string PathVariable = "DELTATUI_GEMMA3_TOKENIZER";

    private readonly Lazy<Gemma3Tokenizer> _tokenizer = new(() => Gemma3Tokenizer.Load(FilePath));

    public static string FilePath
    {
        get
        {
            var path = Environment.GetEnvironmentVariable(PathVariable);
            if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
                throw new InvalidOperationException(
                    $"{PathVariable} must name the real Gemma-3 tokenizer.json (now: '{path}'). " +
                    $"Fetch it with scripts/fetch-test-data.sh and run: export {PathVariable}=$(scripts/fetch-test-data.sh) " +
                    "(./run-tests does both).");
            return path;
        }
    }

    public Gemma3Tokenizer Tokenizer => _tokenizer.Value;
}
