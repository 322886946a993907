using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// Reads a Hugging Face tokenizer.json with a BPE model. The large vocabulary and merge list are streamed with
/// <see cref="Utf8JsonReader"/> and resolved to ids without building a string per merge; the small sections
/// (normalizer, pre_tokenizer, decoder, added_tokens) are read as JSON elements. Anything the encoder would
/// not reproduce exactly is rejected with an error naming the file and the field.
/// </summary>
internal static class TokenizerJsonReader
{
    // Bounds ids so that a corrupt file cannot make us allocate an id table of gigabytes.
    private const int MaxTokenId = 1 << 22;

    public static TokenizerJson Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new TokenizerFormatException(path, $"cannot read the tokenizer file: {e.Message}", e);
        }
        try
        {
            return Parse(path, bytes);
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(path, $"not valid JSON: {e.Message}", e);
        }
    }

    private static TokenizerJson Parse(string path, byte[] bytes)
    {
        var options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow };
        var span = bytes.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            span = span[3..];
        var reader = new Utf8JsonReader(span, options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new TokenizerFormatException(path, "the top level must be a JSON object");

        JsonElement? addedTokens = null, normalizer = null, preTokenizer = null, decoder = null;
        ModelSection? model = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "added_tokens": addedTokens = JsonElement.ParseValue(ref reader); break;
                case "normalizer": normalizer = JsonElement.ParseValue(ref reader); break;
                case "pre_tokenizer": preTokenizer = JsonElement.ParseValue(ref reader); break;
                case "decoder": decoder = JsonElement.ParseValue(ref reader); break;
                case "model": model = ReadModelSection(path, span, ref reader); break;
                default: reader.Skip(); break;
            }
        }
        if (model is null)
            throw new TokenizerFormatException(path, "no \"model\" section");

        var bpe = BuildModel(path, span, model);
        var added = ReadAddedTokens(path, addedTokens);
        return new TokenizerJson(
            bpe,
            added,
            ReadNormalizer(path, normalizer, "normalizer"),
            ReadPreTokenizer(path, preTokenizer, "pre_tokenizer"),
            decoder is { ValueKind: not JsonValueKind.Null } d ? ReadDecoder(path, d, "decoder") : null);
    }

    private sealed class ModelSection
    {
        public Utf8TokenTable? Vocab;
        public MergeTable? Merges;
        public int MergesOffset = -1;
        public string? UnkToken;
        public bool FuseUnk;
        public bool ByteFallback;
        public bool IgnoreMerges;
    }

    private static ModelSection ReadModelSection(string path, ReadOnlySpan<byte> json, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new TokenizerFormatException(path, "\"model\" must be an object");
        var model = new ModelSection();
        string? type = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "type":
                    type = ReadString(path, json, ref reader, "model.type");
                    break;
                case "vocab":
                    model.Vocab = ReadVocab(path, json, ref reader);
                    break;
                case "merges":
                    if (reader.TokenType != JsonTokenType.StartArray)
                        throw new TokenizerFormatException(path, "model.merges must be an array");
                    if (model.Vocab is not null)
                    {
                        model.Merges = ReadMerges(path, json, 0, ref reader, model.Vocab);
                        break;
                    }
                    // Merges before the vocabulary: resolved once the whole model section has been read.
                    model.MergesOffset = (int)reader.TokenStartIndex;
                    reader.Skip();
                    break;
                case "unk_token":
                    model.UnkToken = reader.TokenType == JsonTokenType.Null ? null : ReadString(path, json, ref reader, "model.unk_token");
                    break;
                case "fuse_unk":
                    model.FuseUnk = ReadBool(path, json, ref reader, "model.fuse_unk");
                    break;
                case "byte_fallback":
                    model.ByteFallback = ReadBool(path, json, ref reader, "model.byte_fallback");
                    break;
                case "ignore_merges":
                    model.IgnoreMerges = ReadBool(path, json, ref reader, "model.ignore_merges");
                    break;
                case "dropout":
                    if (reader.TokenType != JsonTokenType.Null && !(reader.TokenType == JsonTokenType.Number && reader.GetDouble() == 0))
                        throw new TokenizerFormatException(path, "model.dropout is set; BPE dropout is random and not supported");
                    break;
                case "continuing_subword_prefix":
                case "end_of_word_suffix":
                    if (reader.TokenType != JsonTokenType.Null && !(reader.TokenType == JsonTokenType.String && reader.ValueSpan.IsEmpty))
                        throw new TokenizerFormatException(path, $"model.{name} is set; subword prefixes and suffixes are not supported");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (type is not null && type != "BPE")
            throw new TokenizerFormatException(path, $"model.type is \"{type}\"; only \"BPE\" models are supported");
        return model;
    }

    // Runs once per process: compiling it fully optimised at once beats starting it in tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Utf8TokenTable ReadVocab(string path, ReadOnlySpan<byte> json, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new TokenizerFormatException(path, "model.vocab must be an object of token -> id");
        var vocab = new Utf8TokenTable();
        var buffer = new byte[256];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var token = Unescaped(json, ref reader, ref buffer);
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var id) || id < 0 || id >= MaxTokenId)
                throw new TokenizerFormatException(path,
                    $"model.vocab[\"{Encoding.UTF8.GetString(token)}\"] must be an integer id in [0, {MaxTokenId}) (line {LineOf(json, 0, reader)})");
            if (!vocab.TryAdd(token, id))
                throw new TokenizerFormatException(path,
                    $"model.vocab has the token \"{Encoding.UTF8.GetString(token)}\" twice (line {LineOf(json, 0, reader)})");
        }
        vocab.Complete();
        return vocab;
    }

    private static BpeModel BuildModel(string path, ReadOnlySpan<byte> json, ModelSection section)
    {
        var vocab = section.Vocab ?? throw new TokenizerFormatException(path, "model.vocab is missing");
        var unkId = -1;
        if (section.UnkToken is { } unk && !vocab.TryGetId(unk.AsSpan(), out unkId))
            throw new TokenizerFormatException(path, $"model.unk_token \"{unk}\" is not in model.vocab");
        var merges = section.Merges;
        if (merges is null && section.MergesOffset >= 0)
        {
            var reader = new Utf8JsonReader(json[section.MergesOffset..]);
            reader.Read();
            merges = ReadMerges(path, json, section.MergesOffset, ref reader, vocab);
        }
        merges ??= new MergeTable(0);
        return new BpeModel(vocab, merges, unkId, section.FuseUnk, section.ByteFallback, section.IgnoreMerges);
    }

    /// <summary>
    /// Merges as "a b" strings (the older format) or [a, b] pairs; a merge's rank is its position in the list.
    /// The reader stands on the array's start and reads <paramref name="json"/> from <paramref name="offset"/>.
    /// </summary>
    // Runs once per process: compiling it fully optimised at once beats starting it in tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static MergeTable ReadMerges(string path, ReadOnlySpan<byte> json, int offset, ref Utf8JsonReader reader, Utf8TokenTable vocab)
    {
        // BPE vocabularies hold about half as many tokens as merges (Gemma-3: 262,144 and 514,906).
        var merges = new MergeTable(expectedCount: vocab.Count * 2);
        var input = json[offset..];
        var leftBuffer = new byte[256];
        var rightBuffer = new byte[256];
        var rank = 0;
        try
        {
            for (var index = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; index++)
            {
                ReadOnlySpan<byte> left, right;
                if (reader.TokenType == JsonTokenType.String)
                {
                    var line = Unescaped(input, ref reader, ref leftBuffer);
                    if (line.StartsWith("#version"u8))
                        continue;
                    var space = line.IndexOf((byte)' ');
                    if (space < 0 || line[(space + 1)..].Contains((byte)' '))
                        throw new TokenizerFormatException(path,
                            $"model.merges[{index}] \"{Encoding.UTF8.GetString(line)}\" is not two tokens separated by one space (line {LineOf(json, offset, reader)})");
                    left = line[..space];
                    right = line[(space + 1)..];
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        throw BadPair(path, index, json, offset, reader);
                    left = Unescaped(input, ref reader, ref leftBuffer);
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        throw BadPair(path, index, json, offset, reader);
                    right = Unescaped(input, ref reader, ref rightBuffer);
                    if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
                        throw BadPair(path, index, json, offset, reader);
                }
                else
                {
                    throw BadPair(path, index, json, offset, reader);
                }

                if (!vocab.TryGetId(left, out var leftId))
                    throw MissingToken(path, index, left, []);
                if (!vocab.TryGetId(right, out var rightId))
                    throw MissingToken(path, index, right, []);
                if (!vocab.TryGetId(left, right, out var mergedId))
                    throw MissingToken(path, index, left, right);
                merges.Set(leftId, rightId, rank, mergedId);
                rank++;
            }
        }
        catch (JsonException e) when (offset > 0)
        {
            // A reader started at the array counts lines from there.
            var line = CountNewlines(json, offset) + (e.LineNumber ?? 0) + 1;
            throw new TokenizerFormatException(path, $"not valid JSON in model.merges near line {line}: {e.Message}", e);
        }
        return merges;
    }

    /// <summary>
    /// The string's UTF-8 bytes: a slice of the reader's <paramref name="input"/> when it has no escapes (so it
    /// stays valid while the reader moves on), else unescaped into <paramref name="buffer"/>.
    /// </summary>
    private static ReadOnlySpan<byte> Unescaped(ReadOnlySpan<byte> input, scoped ref Utf8JsonReader reader, scoped ref byte[] buffer)
    {
        if (!reader.ValueIsEscaped)
            return input.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
        if (buffer.Length < reader.ValueSpan.Length)
            buffer = new byte[Math.Max(reader.ValueSpan.Length, buffer.Length * 2)];
        return buffer.AsSpan(0, reader.CopyString(buffer));
    }

    private static TokenizerFormatException BadPair(string path, int index, ReadOnlySpan<byte> json, int offset, Utf8JsonReader reader) =>
        new(path, $"model.merges[{index}] must be a \"a b\" string or a [\"a\", \"b\"] pair (line {LineOf(json, offset, reader)})");

    private static TokenizerFormatException MissingToken(string path, int index, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) =>
        new(path, $"model.merges[{index}] uses \"{Encoding.UTF8.GetString(first)}{Encoding.UTF8.GetString(second)}\", which is not in model.vocab");

    private static IReadOnlyList<AddedToken> ReadAddedTokens(string path, JsonElement? element)
    {
        if (element is not { ValueKind: not JsonValueKind.Null } array)
            return [];
        if (array.ValueKind != JsonValueKind.Array)
            throw new TokenizerFormatException(path, "added_tokens must be an array");
        var tokens = new List<AddedToken>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var field = $"added_tokens[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
                throw new TokenizerFormatException(path, $"{field} must be an object");
            if (!item.TryGetProperty("id", out var idElement) || !idElement.TryGetInt32(out var id) || id < 0 || id >= MaxTokenId)
                throw new TokenizerFormatException(path, $"{field}.id must be an integer in [0, {MaxTokenId})");
            var content = RequiredString(path, item, "content", field);
            if (content.Length == 0)
                throw new TokenizerFormatException(path, $"{field}.content is empty");
            var special = OptionalBool(path, item, "special", field, false);
            tokens.Add(new AddedToken(
                id,
                content,
                special,
                OptionalBool(path, item, "single_word", field, false),
                OptionalBool(path, item, "lstrip", field, false),
                OptionalBool(path, item, "rstrip", field, false),
                OptionalBool(path, item, "normalized", field, !special)));
        }
        return tokens;
    }

    private static IReadOnlyList<NormalizerStep> ReadNormalizer(string path, JsonElement? element, string field)
    {
        if (element is not { ValueKind: not JsonValueKind.Null } normalizer)
            return [];
        var type = TypeOf(path, normalizer, field);
        switch (type)
        {
            case "Sequence":
                if (!normalizer.TryGetProperty("normalizers", out var list) || list.ValueKind != JsonValueKind.Array)
                    throw new TokenizerFormatException(path, $"{field}.normalizers must be an array");
                return list.EnumerateArray().SelectMany((n, i) => ReadNormalizer(path, n, $"{field}.normalizers[{i}]")).ToArray();
            case "Replace":
                return [new NormalizerStep.Replace(LiteralPattern(path, normalizer, field), RequiredString(path, normalizer, "content", field))];
            case "Prepend":
                return [new NormalizerStep.Prepend(RequiredString(path, normalizer, "prepend", field))];
            case "NFC": return [new NormalizerStep.Unicode(NormalizationForm.FormC)];
            case "NFD": return [new NormalizerStep.Unicode(NormalizationForm.FormD)];
            case "NFKC": return [new NormalizerStep.Unicode(NormalizationForm.FormKC)];
            case "NFKD": return [new NormalizerStep.Unicode(NormalizationForm.FormKD)];
            default:
                throw new TokenizerFormatException(path,
                    $"{field}.type \"{type}\" is not supported (supported: Sequence, Replace, Prepend, NFC, NFD, NFKC, NFKD)");
        }
    }

    private static IReadOnlyList<SplitPreTokenizer> ReadPreTokenizer(string path, JsonElement? element, string field)
    {
        if (element is not { ValueKind: not JsonValueKind.Null } preTokenizer)
            return [];
        var type = TypeOf(path, preTokenizer, field);
        switch (type)
        {
            case "Sequence":
                if (!preTokenizer.TryGetProperty("pretokenizers", out var list) || list.ValueKind != JsonValueKind.Array)
                    throw new TokenizerFormatException(path, $"{field}.pretokenizers must be an array");
                return list.EnumerateArray().SelectMany((p, i) => ReadPreTokenizer(path, p, $"{field}.pretokenizers[{i}]")).ToArray();
            case "Split":
                if (OptionalBool(path, preTokenizer, "invert", field, false))
                    throw new TokenizerFormatException(path, $"{field}.invert is true; inverted splits are not supported");
                var behaviorName = RequiredString(path, preTokenizer, "behavior", field);
                if (!Enum.TryParse<SplitBehavior>(behaviorName, ignoreCase: false, out var behavior) || !Enum.IsDefined(behavior))
                    throw new TokenizerFormatException(path, $"{field}.behavior \"{behaviorName}\" is not a known split behavior");
                return [new SplitPreTokenizer(LiteralPattern(path, preTokenizer, field), behavior)];
            default:
                throw new TokenizerFormatException(path, $"{field}.type \"{type}\" is not supported (supported: Sequence, Split)");
        }
    }

    private static IReadOnlyList<DecoderStep> ReadDecoder(string path, JsonElement decoder, string field)
    {
        var type = TypeOf(path, decoder, field);
        switch (type)
        {
            case "Sequence":
                if (!decoder.TryGetProperty("decoders", out var list) || list.ValueKind != JsonValueKind.Array)
                    throw new TokenizerFormatException(path, $"{field}.decoders must be an array");
                return list.EnumerateArray().SelectMany((d, i) => ReadDecoder(path, d, $"{field}.decoders[{i}]")).ToArray();
            case "Replace":
                return [new DecoderStep.Replace(LiteralPattern(path, decoder, field), RequiredString(path, decoder, "content", field))];
            case "ByteFallback":
                return [new DecoderStep.ByteFallback()];
            case "Fuse":
                return [new DecoderStep.Fuse()];
            case "Strip":
                var content = RequiredString(path, decoder, "content", field);
                if (content.Length != 1)
                    throw new TokenizerFormatException(path, $"{field}.content must be one character");
                return [new DecoderStep.Strip(content[0], RequiredCount(path, decoder, "start", field), RequiredCount(path, decoder, "stop", field))];
            default:
                throw new TokenizerFormatException(path,
                    $"{field}.type \"{type}\" is not supported (supported: Sequence, Replace, ByteFallback, Fuse, Strip)");
        }
    }

    private static string LiteralPattern(string path, JsonElement element, string field)
    {
        if (!element.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException(path, $"{field}.pattern must be an object like {{\"String\": \" \"}}");
        if (pattern.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String && literal.GetString() is { Length: > 0 } text)
            return text;
        if (pattern.TryGetProperty("Regex", out _))
            throw new TokenizerFormatException(path, $"{field}.pattern is a Regex; only literal String patterns are supported");
        throw new TokenizerFormatException(path, $"{field}.pattern.String must be a non-empty string");
    }

    private static string TypeOf(string path, JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException(path, $"{field} must be an object or null");
        return RequiredString(path, element, "type", field);
    }

    private static string RequiredString(string path, JsonElement element, string name, string field) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new TokenizerFormatException(path, $"{field}.{name} must be a string");

    private static int RequiredCount(string path, JsonElement element, string name, string field) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out var count) && count >= 0
            ? count
            : throw new TokenizerFormatException(path, $"{field}.{name} must be a non-negative integer");

    private static bool OptionalBool(string path, JsonElement element, string name, string field, bool fallback)
    {
        if (!element.TryGetProperty(name, out var value))
            return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new TokenizerFormatException(path, $"{field}.{name} must be true or false"),
        };
    }

    private static string ReadString(string path, ReadOnlySpan<byte> json, ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new TokenizerFormatException(path, $"{field} must be a string (line {LineOf(json, 0, reader)})");

    private static bool ReadBool(string path, ReadOnlySpan<byte> json, ref Utf8JsonReader reader, string field) =>
        reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw new TokenizerFormatException(path, $"{field} must be true or false (line {LineOf(json, 0, reader)})"),
        };

    private static long LineOf(ReadOnlySpan<byte> json, int offset, Utf8JsonReader reader) =>
        1 + CountNewlines(json, offset + (int)reader.TokenStartIndex);

    private static long CountNewlines(ReadOnlySpan<byte> json, int end) => json[..end].Count((byte)'\n');
}
