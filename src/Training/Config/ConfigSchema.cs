using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>One settable key of the configuration: a property of a section record.</summary>
internal sealed record ConfigField(string SectionName, string Name, PropertyInfo Property)
{
    /// <summary>The key as users write it on the command line, e.g. <c>optimizer.lr</c>.</summary>
    public string DottedKey => $"{SectionName}.{Name}";

    /// <summary>The key as Microsoft.Extensions.Configuration stores it, e.g. <c>optimizer:lr</c>.</summary>
    public string ConfigPath => $"{SectionName}:{Name}";

    /// <summary>Element type when the field is a list (e.g. optimizer.betas), else null.</summary>
    public Type? ListElementType =>
        Property.PropertyType.IsGenericType && Property.PropertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
            ? Property.PropertyType.GetGenericArguments()[0]
            : null;
}

/// <summary>A top-level section of the configuration (<c>run</c>, <c>optimizer</c>, ...).</summary>
internal sealed record ConfigSection(string Name, PropertyInfo Property, IReadOnlyList<ConfigField> Fields);

/// <summary>
/// The set of valid keys, read by reflection from <see cref="DeltaTuiOptions"/> so that the records
/// are the single source of truth; names follow the JSON writer (snake_case unless a property names itself).
/// </summary>
internal static class ConfigSchema
{
    public static IReadOnlyList<ConfigSection> Sections { get; } = Build();

    public static ConfigSection? FindSection(string name) =>
        Sections.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public static ConfigField? FindField(ConfigSection section, string name) =>
        section.Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    public static string NameOf(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
        ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    private static List<ConfigSection> Build() =>
        typeof(DeltaTuiOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(sectionProperty =>
            {
                string sectionName = NameOf(sectionProperty);
                var fields = sectionProperty.PropertyType
                    .GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
                    .Select(p => new ConfigField(sectionName, NameOf(p), p))
                    .ToList();
                return new ConfigSection(sectionName, sectionProperty, fields);
            })
            .ToList();
}
