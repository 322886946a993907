namespace DeltaTui.Training.Data;

/// <summary>
/// The names configuration files use for data options, as TRL spells them (<c>keep_start</c>, <c>keep_end</c>;
/// <c>chat_template</c>, <c>raw</c>), mapped to and from the enums.
/// </summary>
public static class DataOptionNames
{
    private static readonly (string Name, TruncationMode Mode)[] Truncations =
        [("keep_start", TruncationMode.KeepStart), ("keep_end", TruncationMode.KeepEnd)];

    private static readonly (string Name, StringPairFormat Format)[] StringFormats =
        [("chat_template", StringPairFormat.ChatTemplate), ("raw", StringPairFormat.Raw)];

    public static TruncationMode ParseTruncation(string name) =>
        Truncations.FirstOrDefault(t => t.Name == name) is { Name: not null } found
            ? found.Mode
            : throw new ArgumentException($"unknown truncation '{name}'; expected {string.Join(" or ", Truncations.Select(t => t.Name))}", nameof(name));

    public static string Name(TruncationMode mode) => Truncations.First(t => t.Mode == mode).Name;

    public static StringPairFormat ParseStringFormat(string name) =>
        StringFormats.FirstOrDefault(f => f.Name == name) is { Name: not null } found
            ? found.Format
            : throw new ArgumentException($"unknown string format '{name}'; expected {string.Join(" or ", StringFormats.Select(f => f.Name))}", nameof(name));

    public static string Name(StringPairFormat format) => StringFormats.First(f => f.Format == format).Name;
}
