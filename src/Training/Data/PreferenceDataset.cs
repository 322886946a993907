using System.Collections.Immutable;
using System.Text;
using DeltaTui.Formats.Tokenization;

namespace DeltaTui.Training.Data;

/// <summary>
/// Preference pairs loaded from JSONL, validated, rendered with the Gemma-3 chat template, tokenised and cut
/// to max_length. Loading either succeeds with at least one pair or throws a <see cref="PreferenceDataException"/>
/// naming file, line and field; with <see cref="PreferenceDataOptions.SkipBadRows"/> bad rows are counted instead.
/// One UTF-8 JSON object per line (blank lines are ignored, extra fields too), in one of two forms:
/// <code>
/// {"prompt": "What is 2+2?", "chosen": "4.", "rejected": "FIVE!"}
/// {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2?"}],
///  "chosen": [{"role": "assistant", "content": "4."}], "rejected": [{"role": "assistant", "content": "FIVE!"}]}
/// </code>
/// Both become prompt tokens (the chat up to and including the generation prompt) and completion tokens
/// (<c>"{answer}&lt;end_of_turn&gt;\n"</c>), as TRL renders conversational data; see <see cref="StringPairFormat"/>
/// for the string form. Only completion tokens are scored.
/// </summary>
public sealed class PreferenceDataset
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private PreferenceDataset(string source, IReadOnlyList<PreferencePair> pairs, PreferenceDataStats stats, string fingerprint, PreferenceDataOptions options)
    {
        Source = source;
        Pairs = pairs;
        Stats = stats;
        Fingerprint = fingerprint;
        Options = options;
    }

    /// <summary>The file name used in messages.</summary>
    public string Source { get; }

    public IReadOnlyList<PreferencePair> Pairs { get; }

    public PreferenceDataStats Stats { get; }

    /// <summary>See <see cref="DataFingerprint"/>.</summary>
    public string Fingerprint { get; }

    public PreferenceDataOptions Options { get; }

    public static PreferenceDataset Load(string path, ITokenizer tokenizer, PreferenceDataOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PreferenceDataException(path, $"cannot open the file: {e.Message}");
        }

        using (stream) return Load(stream, path, tokenizer, options);
    }

    /// <param name="source">Name of the data in messages, e.g. a file path or "demo/train.jsonl".</param>
    public static PreferenceDataset Load(Stream stream, string source, ITokenizer tokenizer, PreferenceDataOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tokenizer);
        options ??= new PreferenceDataOptions();
        options.Validate();

        using var reader = new JsonlLineReader(stream, source, options.MaxLineBytes);
        var pairs = new List<PreferencePair>();
        var problems = new List<DataProblem>();
        var skipped = new List<DataProblem>();
        var badRows = new Dictionary<BadRowReason, int>();
        int rowsRead = 0, promptTooLong = 0, truncated = 0, totalProblems = 0;
        var stoppedEarly = false;

        foreach (var line in reader.ReadLines())
        {
            if (!line.TooLong && IsBlank(line.Bytes.Span)) continue;
            rowsRead++;
            try
            {
                var ids = Tokenize(ReadRow(line, options), tokenizer, options);
                if (ids is null)
                {
                    promptTooLong++;
                    continue;
                }

                if (ids.Truncated) truncated++;
                pairs.Add(new PreferencePair(pairs.Count, line.Number,
                    ImmutableArray.Create(ids.Prompt), ImmutableArray.Create(ids.Chosen), ImmutableArray.Create(ids.Rejected), ids.Truncated));
            }
            catch (RowProblemException e)
            {
                totalProblems++;
                var problem = new DataProblem(source, line.Number, e.Field, e.Reason, e.Message);
                if (options.SkipBadRows)
                {
                    badRows[e.Reason] = badRows.GetValueOrDefault(e.Reason) + 1;
                    if (skipped.Count < options.MaxReportedProblems) skipped.Add(problem);
                    continue;
                }

                problems.Add(problem);
                if (problems.Count >= options.MaxReportedProblems)
                {
                    stoppedEarly = true;
                    break;
                }
            }
        }

        if (problems.Count > 0) throw new PreferenceDataException(source, problems, totalProblems, stoppedEarly);
        if (rowsRead == 0)
            throw new PreferenceDataException(source, reader.ContentBytes == 0 ? "the file is empty" : "the file has no rows, only blank lines");
        if (pairs.Count == 0) throw new PreferenceDataException(source, NothingUsable(rowsRead, badRows, promptTooLong, options));

        var stats = new PreferenceDataStats
        {
            RowsRead = rowsRead,
            PairsLoaded = pairs.Count,
            BadRowsByReason = badRows,
            FirstBadRows = skipped,
            SkippedPromptTooLong = promptTooLong,
            TruncatedPairs = truncated,
        };
        var fingerprint = DataFingerprint.Compute(reader.FileHash(), tokenizer, options, pairs);
        return new PreferenceDataset(source, pairs, stats, fingerprint, options);
    }

    private static RenderedPair ReadRow(JsonlLine line, PreferenceDataOptions options)
    {
        if (line.TooLong)
            throw new RowProblemException(null, BadRowReason.LineTooLong,
                $"the line is {line.Length} bytes, over the limit of {options.MaxLineBytes} bytes");

        string text;
        try
        {
            text = StrictUtf8.GetString(line.Bytes.Span);
        }
        catch (DecoderFallbackException e)
        {
            var bad = e.BytesUnknown is { Length: > 0 } bytes ? $"byte 0x{bytes[0]:X2}" : "a byte";
            var where = e.Index >= 0 ? $" at column {e.Index + 1}" : "";
            throw new RowProblemException(null, BadRowReason.InvalidUtf8, $"not valid UTF-8: {bad}{where}; the file must be UTF-8");
        }

        return PreferenceRowParser.Parse(text, options.StringFormat);
    }

    private static TruncatedIds? Tokenize(RenderedPair pair, ITokenizer tokenizer, PreferenceDataOptions options)
    {
        var prompt = tokenizer.Encode(pair.Prompt);
        var chosen = tokenizer.Encode(pair.Chosen);
        var rejected = tokenizer.Encode(pair.Rejected);
        if (pair.Raw)
        {
            prompt = [tokenizer.BosId, .. prompt];
            chosen = [.. chosen, tokenizer.EosId];
            rejected = [.. rejected, tokenizer.EosId];
        }

        return PairTruncation.Apply(prompt, chosen, rejected, options.MaxLength, options.Truncation);
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') < 0;

    private static string NothingUsable(int rowsRead, Dictionary<BadRowReason, int> badRows, int promptTooLong, PreferenceDataOptions options)
    {
        var parts = badRows.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {kv.Key}").ToList();
        if (promptTooLong > 0) parts.Add($"{promptTooLong} with a prompt of max_length={options.MaxLength} tokens or more");
        return $"no usable pairs among {rowsRead} rows: {string.Join(", ", parts)}";
    }
}
