using System.Text;
using System.Text.Json;

namespace DeltaTui.Training.Config;

/// <summary>
/// Checks a JSON config file before Microsoft.Extensions.Configuration reads it (so a broken file
/// gives an error naming its line, not a stack trace) and remembers the line of every key, so
/// that later problems can point at "configs/x.json line 7".
/// </summary>
internal sealed class JsonConfigFile
{
    private readonly Dictionary<string, int> _lines;

    private JsonConfigFile(string displayPath, string fullPath, Dictionary<string, int> lines)
    {
        DisplayPath = displayPath;
        FullPath = fullPath;
        _lines = lines;
    }

    /// <summary>The path as the user gave it, for messages.</summary>
    public string DisplayPath { get; }

    public string FullPath { get; }

    /// <summary>"file line N" for a key path such as <c>optimizer:betas:1</c>, or just the file when unknown.</summary>
    public string Describe(string configPath) =>
        _lines.TryGetValue(configPath.ToLowerInvariant(), out int line) ? $"{DisplayPath} line {line}" : DisplayPath;

    /// <returns>The checked file, or null after adding the reasons it cannot be used to <paramref name="problems"/>.</returns>
    public static JsonConfigFile? Read(string path, ICollection<ConfigProblem> problems)
    {
        const string key = "config file";
        string fullPath = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ConfigProblem(key, path, e is FileNotFoundException or DirectoryNotFoundException
                ? "file not found" : $"cannot be read: {e.Message}"));
            return null;
        }

        ReadOnlySpan<byte> json = bytes;
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            json = json[3..];
        try
        {
            new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetCharCount(json);
        }
        catch (DecoderFallbackException e)
        {
            int offset = Math.Max(0, e.Index);
            problems.Add(new ConfigProblem(key, $"{path} line {LineAt(json, offset)}", "is not UTF-8 text"));
            return null;
        }

        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        int problemsBefore = problems.Count;
        try
        {
            Scan(json, path, lines, problems);
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1;
            string reason = e.Message.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0].TrimEnd('.', ' ');
            problems.Add(new ConfigProblem(key, $"{path} line {line}", $"is not valid JSON: {reason}"));
            return null;
        }
        return problems.Count == problemsBefore ? new JsonConfigFile(path, fullPath, lines) : null;
    }

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;
        public bool IsArray { get; } = isArray;
        public int NextIndex { get; set; }
        public string? PendingName { get; set; }
        public HashSet<string> Names { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    private static void Scan(ReadOnlySpan<byte> json, string displayPath, Dictionary<string, int> lines, ICollection<ConfigProblem> problems)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            // The same leniency Microsoft.Extensions.Configuration.Json applies.
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        var frames = new Stack<Frame>();
        int lineCount = 1;
        int countedUpTo = 0;
        bool sawRoot = false;

        while (reader.Read())
        {
            int start = (int)reader.TokenStartIndex;
            for (; countedUpTo < start; countedUpTo++)
                if (json[countedUpTo] == (byte)'\n') lineCount++;

            if (!sawRoot)
            {
                sawRoot = true;
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    problems.Add(new ConfigProblem("config file", $"{displayPath} line {lineCount}", "must hold a JSON object of sections, e.g. {\"optimizer\": {\"lr\": 5e-6}}"));
                    return;
                }
                frames.Push(new Frame("", isArray: false));
                continue;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                {
                    Frame top = frames.Peek();
                    string name = reader.GetString()!;
                    string path = Join(top.Path, name);
                    if (!top.Names.Add(name))
                        problems.Add(new ConfigProblem(path.Replace(':', '.'), $"{displayPath} line {lineCount}", "appears twice in the same object"));
                    top.PendingName = name;
                    lines.TryAdd(path.ToLowerInvariant(), lineCount);
                    break;
                }
                case JsonTokenType.StartObject:
                    frames.Push(new Frame(ValuePath(frames.Peek(), lines, lineCount), isArray: false));
                    break;
                case JsonTokenType.StartArray:
                    frames.Push(new Frame(ValuePath(frames.Peek(), lines, lineCount), isArray: true));
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    frames.Pop();
                    break;
                default:
                    ValuePath(frames.Peek(), lines, lineCount);
                    break;
            }
        }
    }

    private static string ValuePath(Frame parent, Dictionary<string, int> lines, int line)
    {
        if (!parent.IsArray)
            return Join(parent.Path, parent.PendingName ?? "");
        string path = Join(parent.Path, (parent.NextIndex++).ToString(System.Globalization.CultureInfo.InvariantCulture));
        lines.TryAdd(path.ToLowerInvariant(), line);
        return path;
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : parent + ":" + name;

    private static int LineAt(ReadOnlySpan<byte> bytes, int offset)
    {
        int line = 1;
        for (int i = 0; i < offset && i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n') line++;
        return line;
    }
}
