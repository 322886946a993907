namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// The Gemma-3 tokenizer, read from Hugging Face's tokenizer.json and encoding exactly as the tokenizers
/// library does: added tokens (special or not) are found in the raw text first; the text between them is
/// normalised (Gemma: ' ' becomes '▁'), split by the pre-tokenizer and encoded by BPE with byte fallback.
/// Encode never adds &lt;bos&gt; (the file's post-processor would; the chat template writes it instead).
/// </summary>
public sealed class Gemma3Tokenizer : ITokenizer
{
    private readonly BpeModel _model;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly IReadOnlyList<NormalizerStep> _normalizer;
    private readonly IReadOnlyList<SplitPreTokenizer> _preTokenizer;
    private readonly IReadOnlyList<DecoderStep>? _decoder;
    private readonly Dictionary<int, string> _addedById = new();
    private readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);

    private Gemma3Tokenizer(string path, TokenizerJson json)
    {
        _model = json.Model;
        _normalizer = json.Normalizer;
        _preTokenizer = json.PreTokenizer;
        _decoder = json.Decoder;
        foreach (var token in json.AddedTokens)
        {
            _addedById[token.Id] = token.Content;
            _addedByContent[token.Content] = token.Id;
        }
        _rawMatcher = new AddedTokenMatcher(json.AddedTokens.Where(t => !t.Normalized).ToArray(), t => t.Content);
        _normalizedMatcher = new AddedTokenMatcher(json.AddedTokens.Where(t => t.Normalized).ToArray(), t => Normalize(t.Content));
        VocabSize = Math.Max(_model.IdCount, json.AddedTokens.Count == 0 ? 0 : json.AddedTokens.Max(t => t.Id) + 1);

        PadId = RequiredId(path, "<pad>");
        EosId = RequiredId(path, "<eos>");
        BosId = RequiredId(path, "<bos>");
        StartOfTurnId = RequiredId(path, "<start_of_turn>");
        EndOfTurnId = RequiredId(path, "<end_of_turn>");
    }

    /// <summary>Loads a tokenizer.json, or the tokenizer.json inside a Hugging Face snapshot folder.</summary>
    /// <exception cref="TokenizerFormatException">The file is missing, unreadable, not JSON, not a BPE model,
    /// inconsistent, or lacks one of Gemma's control tokens; the message names the file and the field.</exception>
    public static Gemma3Tokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            path = Path.Combine(path, "tokenizer.json");
        return new Gemma3Tokenizer(path, TokenizerJsonReader.Read(path));
    }

    /// <summary>One past the largest id, added tokens included (Hugging Face's len(tokenizer)).</summary>
    public int VocabSize { get; }
    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }
    public int StartOfTurnId { get; }
    public int EndOfTurnId { get; }

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var workspace = new BpeWorkspace();
        var segments = new List<AddedTokenMatcher.Segment>();
        var normalizedSegments = new List<AddedTokenMatcher.Segment>();
        var pieces = new List<(int Start, int End)>();
        _rawMatcher.Split(text, segments);
        foreach (var segment in segments)
        {
            if (segment.IsToken)
            {
                ids.Add(segment.TokenId);
                continue;
            }
            var normalized = Normalize(text.Substring(segment.Start, segment.End - segment.Start));
            if (_normalizedMatcher.IsEmpty)
            {
                EncodeNormalized(normalized, 0, normalized.Length, ids, workspace, pieces);
                continue;
            }
            normalizedSegments.Clear();
            _normalizedMatcher.Split(normalized, normalizedSegments);
            foreach (var inner in normalizedSegments)
            {
                if (inner.IsToken)
                    ids.Add(inner.TokenId);
                else
                    EncodeNormalized(normalized, inner.Start, inner.End, ids, workspace, pieces);
            }
        }
        return ids.ToArray();
    }

    /// <summary>
    /// Token strings through the file's decoder (Gemma: '▁' to ' ', byte tokens to UTF-8, joined), control
    /// tokens included as their strings, like Hugging Face's decode without skip_special_tokens.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id that names no token.</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var tokens = new List<string>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            tokens.Add(IdToToken(ids[i]) ?? throw new ArgumentOutOfRangeException(nameof(ids), ids[i],
                $"Token id {ids[i]} at position {i} names no token of this tokenizer (ids are below {VocabSize})."));
        }
        if (_decoder is null)
            return string.Join(' ', tokens);
        foreach (var step in _decoder)
            step.Apply(tokens);
        return string.Concat(tokens);
    }

    /// <summary>The token string of an id (added tokens first, as Hugging Face looks them up), or null.</summary>
    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var content) ? content : _model.IdToToken(id);

    /// <summary>The id of a token string, or null.</summary>
    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var id) ? id : _model.TryGetId(token, out id) ? id : null;

    private void EncodeNormalized(string normalized, int start, int end, List<int> ids, BpeWorkspace workspace, List<(int Start, int End)> pieces)
    {
        if (_preTokenizer.Count == 0)
        {
            _model.Encode(normalized.AsSpan(start, end - start), ids, workspace);
            return;
        }
        pieces.Clear();
        pieces.Add((start, end));
        foreach (var splitter in _preTokenizer)
        {
            var current = pieces.ToArray();
            pieces.Clear();
            foreach (var (from, to) in current)
                splitter.Split(normalized.AsSpan(from, to - from), from, pieces);
        }
        foreach (var (from, to) in pieces)
            _model.Encode(normalized.AsSpan(from, to - from), ids, workspace);
    }

    private string Normalize(string text)
    {
        foreach (var step in _normalizer)
            text = step.Apply(text);
        return text;
    }

    private int RequiredId(string path, string token) =>
        TokenToId(token) ?? throw new TokenizerFormatException(path, $"the Gemma control token \"{token}\" is neither in added_tokens nor in model.vocab");
}
