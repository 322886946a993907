using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace DeltaTui.Training.Config;

/// <summary>
/// Loads <see cref="DeltaTuiOptions"/> from JSON files (Microsoft.Extensions.Configuration.Json), then
/// <c>DELTATUI_SECTION__KEY</c> environment variables, then <c>--section.key value</c> arguments, each
/// layer overriding the one before. Unknown keys, wrong types, out-of-range values and unknown enum
/// names are all collected and thrown together as a <see cref="ConfigException"/> naming key and source.
/// </summary>
public static class ConfigLoader
{
    public static DeltaTuiOptions Load(ConfigSources sources) => Load(sources, out _);

    /// <param name="sourceOf">Where each key that is not at its default was set: "file line N", the variable, or the option.</param>
    public static DeltaTuiOptions Load(ConfigSources sources, out IReadOnlyDictionary<string, string> sourceOf)
    {
        var problems = new List<ConfigProblem>();
        var files = sources.Files.Select(f => JsonConfigFile.Read(f, problems)).OfType<JsonConfigFile>().ToList();
        List<ConfigOverride> environment = EnvironmentOverrides.Parse(sources.Environment);
        List<ConfigOverride> commandLine = CommandLineOverrides.Parse(sources.Overrides, problems);

        var builder = new ConfigurationBuilder();
        var describers = new List<Func<string, string>>();
        foreach (JsonConfigFile file in files)
        {
            builder.AddJsonFile(file.FullPath, optional: false, reloadOnChange: false);
            describers.Add(file.Describe);
        }
        AddOverrides(builder, describers, environment);
        AddOverrides(builder, describers, commandLine);

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            // The files were checked above; this is a last line of defence with the library's own words.
            problems.Add(new ConfigProblem("config file", string.Join(", ", files.Select(f => f.DisplayPath)), e.Message));
            throw new ConfigException(problems);
        }

        var layers = root.Providers.Zip(describers, (provider, describe) => new Layer(provider, describe)).ToList();
        CheckKeys(layers, problems);
        var setBy = new Dictionary<string, string>(StringComparer.Ordinal);
        DeltaTuiOptions options = Bind(layers, problems, setBy);
        ConfigValidator.Validate(options, key => setBy.GetValueOrDefault(key, "default"), problems);

        if (problems.Count > 0)
            throw new ConfigException(problems.Distinct().ToList());
        sourceOf = setBy;
        return options;
    }

    private sealed record Layer(IConfigurationProvider Provider, Func<string, string> Describe);

    private static void AddOverrides(ConfigurationBuilder builder, List<Func<string, string>> describers, List<ConfigOverride> overrides)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var sources = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (ConfigOverride o in overrides)
        {
            values[o.ConfigPath] = o.Value;
            sources[o.ConfigPath] = o.Source;
        }
        builder.AddInMemoryCollection(values);
        describers.Add(path => sources.GetValueOrDefault(path, "override"));
    }

    private static void CheckKeys(List<Layer> layers, List<ConfigProblem> problems)
    {
        string sectionNames = string.Join(", ", ConfigSchema.Sections.Select(s => s.Name));
        foreach (Layer layer in layers)
        {
            foreach (string leaf in Leaves(layer.Provider, null))
            {
                string[] segments = leaf.Split(':');
                string dotted = string.Join('.', segments);
                string source = layer.Describe(leaf);
                ConfigSection? section = ConfigSchema.FindSection(segments[0]);
                if (section is null)
                {
                    problems.Add(new ConfigProblem(dotted, source,
                        $"unknown section '{segments[0]}'{Suggest(segments[0], ConfigSchema.Sections.Select(s => s.Name))}; sections are {sectionNames}"));
                    continue;
                }
                if (segments.Length == 1)
                {
                    if (layer.Provider.TryGet(leaf, out string? value) && !string.IsNullOrEmpty(value))
                        problems.Add(new ConfigProblem(section.Name, source, $"must be an object of keys, e.g. {{\"{section.Name}\": {{\"{section.Fields[0].Name}\": ...}}}}"));
                    continue;
                }
                ConfigField? field = ConfigSchema.FindField(section, segments[1]);
                if (field is null)
                {
                    problems.Add(new ConfigProblem($"{section.Name}.{segments[1]}", source,
                        $"unknown key{Suggest(segments[1], section.Fields.Select(f => f.Name))}; {section.Name} has {string.Join(", ", section.Fields.Select(f => f.Name))}"));
                    continue;
                }
                bool listElement = field.ListElementType is not null && segments.Length == 3
                    && int.TryParse(segments[2], NumberStyles.None, CultureInfo.InvariantCulture, out _);
                if (segments.Length > 2 && !listElement)
                    problems.Add(new ConfigProblem(field.DottedKey, source, $"expects {DescribeType(field)}, got an object or a nested list"));
            }
        }
    }

    private static IEnumerable<string> Leaves(IConfigurationProvider provider, string? parent)
    {
        foreach (string child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            string path = parent is null ? child : parent + ":" + child;
            bool any = false;
            foreach (string leaf in Leaves(provider, path))
            {
                any = true;
                yield return leaf;
            }
            if (!any)
                yield return path;
        }
    }

    private static DeltaTuiOptions Bind(List<Layer> layers, List<ConfigProblem> problems, Dictionary<string, string> sourceOf)
    {
        var nullability = new NullabilityInfoContext();
        var options = new DeltaTuiOptions();
        foreach (ConfigSection section in ConfigSchema.Sections)
        {
            object instance = section.Property.GetValue(options)
                ?? throw new InvalidOperationException($"{section.Name} has no default instance");
            instance = CloneRecord(instance);
            foreach (ConfigField field in section.Fields)
            {
                bool allowsNull = nullability.Create(field.Property).WriteState == NullabilityState.Nullable;
                if (field.ListElementType is { } elementType)
                    BindList(layers, field, elementType, instance, problems, sourceOf);
                else
                    BindScalar(layers, field, allowsNull, instance, problems, sourceOf);
            }
            section.Property.SetValue(options, instance);
        }
        return options;
    }

    private static void BindScalar(List<Layer> layers, ConfigField field, bool allowsNull, object instance,
        List<ConfigProblem> problems, Dictionary<string, string> sourceOf)
    {
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            Layer layer = layers[i];
            if (!layer.Provider.TryGet(field.ConfigPath, out string? text) || HasChildren(layer.Provider, field.ConfigPath))
                continue;
            string source = layer.Describe(field.ConfigPath);
            sourceOf[field.DottedKey] = source;
            if (ConfigValueParser.TryParse(field.Property.PropertyType, allowsNull, text, out object? value, out string error))
                field.Property.SetValue(instance, value);
            else
                problems.Add(new ConfigProblem(field.DottedKey, source, error));
            return;
        }
    }

    private static void BindList(List<Layer> layers, ConfigField field, Type elementType, object instance,
        List<ConfigProblem> problems, Dictionary<string, string> sourceOf)
    {
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            Layer layer = layers[i];
            // A whole list is taken from one layer: a shorter list on top must not inherit the tail of one below.
            var items = new List<(string Path, string? Text)>();
            if (HasChildren(layer.Provider, field.ConfigPath))
            {
                items.AddRange(layer.Provider.GetChildKeys([], field.ConfigPath)
                    .Distinct(StringComparer.OrdinalIgnoreCase)
                    .Where(k => int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    .OrderBy(k => int.Parse(k, CultureInfo.InvariantCulture))
                    .Select(k => (Path: $"{field.ConfigPath}:{k}", Text: layer.Provider.TryGet($"{field.ConfigPath}:{k}", out string? t) ? t : null)));
            }
            else if (layer.Provider.TryGet(field.ConfigPath, out string? joined) && !string.IsNullOrEmpty(joined))
            {
                // Environment variables and command-line values write lists as "0.9,0.95".
                items.AddRange(joined.Split(',').Select(t => (Path: field.ConfigPath, Text: (string?)t.Trim())));
            }
            else
            {
                continue;
            }

            sourceOf[field.DottedKey] = layer.Describe(field.ConfigPath);
            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
            bool ok = true;
            for (int n = 0; n < items.Count; n++)
            {
                if (ConfigValueParser.TryParse(elementType, allowsNull: false, items[n].Text, out object? value, out string error))
                {
                    list.Add(value);
                }
                else
                {
                    problems.Add(new ConfigProblem($"{field.DottedKey}[{n}]", layer.Describe(items[n].Path), error));
                    ok = false;
                }
            }
            if (ok)
                field.Property.SetValue(instance, list);
            return;
        }
    }

    private static bool HasChildren(IConfigurationProvider provider, string path) => provider.GetChildKeys([], path).Any();

    // Records are immutable to their users; the loader works on a private copy of the defaults.
    private static object CloneRecord(object record)
    {
        MethodInfo clone = record.GetType().GetMethod("<Clone>$")
            ?? throw new InvalidOperationException($"{record.GetType().Name} is not a record");
        return clone.Invoke(record, null)!;
    }

    internal static string DescribeType(ConfigField field)
    {
        Type type = field.ListElementType is { } element ? element : Nullable.GetUnderlyingType(field.Property.PropertyType) ?? field.Property.PropertyType;
        string single = type == typeof(bool) ? "true or false"
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(double) ? "a number"
            : type.IsEnum ? "one of " + string.Join(", ", ConfigValueParser.CanonicalNames(type))
            : "a text";
        return field.ListElementType is null ? single : $"a list of {single.Replace("a ", "", StringComparison.Ordinal)}s";
    }

    private static string Suggest(string given, IEnumerable<string> candidates)
    {
        string? best = candidates
            .Select(c => (Name: c, Distance: Levenshtein(given.ToLowerInvariant(), c)))
            .Where(c => c.Distance <= Math.Max(2, given.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();
        return best is null ? "" : $" (did you mean '{best}'?)";
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
