using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DeltaTui.Training.Config;

/// <summary>One configuration key as <c>deltatui config keys</c> lists it.</summary>
/// <param name="Key">Dotted, as written on the command line (<c>optimizer.lr</c>).</param>
/// <param name="Type">bool, int, number, text, a list, or one of an enum's names; "or null" where null is allowed.</param>
/// <param name="Default">The value when nothing sets it.</param>
/// <param name="Range">Allowed values beyond the type (bounds, a set), or empty.</param>
/// <param name="Meaning">The first sentence of the record property's doc comment.</param>
public sealed record ConfigKeyInfo(string Key, string Type, string Default, string Range, string Meaning);

/// <summary>
/// Every key the loader accepts, described from the same records and attributes the loader reads (<see cref="ConfigSchema"/>,
/// <see cref="ConfigRangeAttribute"/>, <see cref="ConfigOneOfAttribute"/>) and the records' doc comments (the XML
/// documentation file built beside the assembly), so the list cannot drift from what is accepted.
/// </summary>
public static partial class ConfigKeys
{
    public static IReadOnlyList<ConfigKeyInfo> All { get; } = Build();

    /// <summary>The value of a key in <paramref name="options"/>, written as the command line would take it.</summary>
    public static string ValueOf(DeltaTuiOptions options, string dottedKey)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var section in ConfigSchema.Sections)
            foreach (var field in section.Fields)
                if (field.DottedKey == dottedKey) return Format(field.Property.GetValue(section.Property.GetValue(options)));
        throw new ArgumentException($"unknown key {dottedKey}", nameof(dottedKey));
    }

    private static List<ConfigKeyInfo> Build()
    {
        var docs = LoadDocs();
        var defaults = new DeltaTuiOptions();
        var nullability = new NullabilityInfoContext();
        var keys = new List<ConfigKeyInfo>();
        foreach (var section in ConfigSchema.Sections)
        {
            foreach (var field in section.Fields)
            {
                var nullable = nullability.Create(field.Property).WriteState == NullabilityState.Nullable;
                var type = TypeName(field) + (nullable ? " or null" : "");
                var range = field.Property.GetCustomAttribute<ConfigRangeAttribute>()?.Describe()
                    ?? (field.Property.GetCustomAttribute<ConfigOneOfAttribute>() is { } oneOf ? "one of " + string.Join(", ", oneOf.Values) : "");
                var memberId = $"P:{field.Property.DeclaringType!.FullName}.{field.Property.Name}";
                keys.Add(new ConfigKeyInfo(field.DottedKey, type, Format(field.Property.GetValue(section.Property.GetValue(defaults))), range,
                    docs.GetValueOrDefault(memberId, "")));
            }
        }
        return keys;
    }

    private static string TypeName(ConfigField field)
    {
        var type = field.ListElementType ?? Nullable.GetUnderlyingType(field.Property.PropertyType) ?? field.Property.PropertyType;
        var single = type == typeof(bool) ? "bool"
            : type == typeof(int) || type == typeof(long) ? "int"
            : type == typeof(double) ? "number"
            : type.IsEnum ? string.Join("|", ConfigValueParser.CanonicalNames(type))
            : "text";
        return field.ListElementType is null ? single : $"list of {single}";
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        Enum e => ConfigValueParser.CanonicalName(e.GetType().GetField(e.ToString())!),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable list => string.Join(",", list.Cast<object?>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Summaries of the config records' properties, one line each, by member id (<c>P:Namespace.Type.Property</c>).</summary>
    private static Dictionary<string, string> LoadDocs()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = Path.ChangeExtension(typeof(ConfigKeys).Assembly.Location, ".xml");
        if (!File.Exists(path)) return result;
        var prefix = "P:" + typeof(ConfigKeys).Namespace + ".";
        foreach (var member in XDocument.Load(path).Descendants("member"))
        {
            var name = (string?)member.Attribute("name");
            if (name is null || !name.StartsWith(prefix, StringComparison.Ordinal) || member.Element("summary") is not { } summary) continue;
            result[name] = FirstSentence(Flatten(summary));
        }
        return result;
    }

    private static string Flatten(XElement element) => Whitespace().Replace(string.Concat(element.Nodes().Select(node => node switch
    {
        XText text => text.Value,
        XElement { Name.LocalName: "see" or "seealso" } see => CrefName((string?)see.Attribute("cref") ?? (string?)see.Attribute("langword") ?? ""),
        XElement inner => Flatten(inner),
        _ => "",
    })), " ").Trim();

    /// <summary>A property of a config record reads as its key name (<c>eval_path</c>); anything else as its last name.</summary>
    private static string CrefName(string cref)
    {
        var name = cref.Contains(':', StringComparison.Ordinal) ? cref[(cref.IndexOf(':', StringComparison.Ordinal) + 1)..] : cref;
        var dot = name.LastIndexOf('.');
        var typeName = dot > 0 ? name[..dot] : "";
        var member = dot > 0 ? name[(dot + 1)..] : name;
        foreach (var section in ConfigSchema.Sections)
            if (section.Property.PropertyType.FullName == typeName && section.Fields.FirstOrDefault(f => f.Property.Name == member) is { } field)
                return field.Name;
        return member;
    }

    private static string FirstSentence(string text)
    {
        var end = SentenceEnd().Match(text);
        return end.Success ? text[..(end.Index + 1)] : text;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // A full stop followed by a space and a capital letter (not "e.g. x" or "1.5").
    [GeneratedRegex(@"[.;](?= [A-Z(])")]
    private static partial Regex SentenceEnd();
}
