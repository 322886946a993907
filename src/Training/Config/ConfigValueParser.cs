using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Turns the text of one configuration value into the field's type, or says in words what was expected.</summary>
internal static class ConfigValueParser
{
    /// <returns>True with the parsed value, or false with an error message that quotes the bad text.</returns>
    /// <param name="allowsNull">Whether the field is declared nullable; then an empty or null value means "not set".</param>
    public static bool TryParse(Type type, bool allowsNull, string? text, out object? value, out string error)
    {
        value = null;
        error = "";
        Type target = Nullable.GetUnderlyingType(type) ?? type;

        if (string.IsNullOrEmpty(text))
        {
            if (allowsNull)
                return true;
            error = $"expects {Describe(target)}, got an empty value";
            return false;
        }

        if (target == typeof(string))
        {
            value = text;
            return true;
        }
        if (target == typeof(bool))
        {
            if (bool.TryParse(text.Trim(), out bool b)) { value = b; return true; }
            error = $"expects true or false, got '{text}'";
            return false;
        }
        if (target == typeof(int) || target == typeof(long))
        {
            if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            {
                error = $"expects a whole number, got '{text}'";
                return false;
            }
            if (target == typeof(int) && l is < int.MinValue or > int.MaxValue)
            {
                error = $"expects a whole number that fits 32 bits, got '{text}'";
                return false;
            }
            value = target == typeof(int) ? (object)(int)l : l;
            return true;
        }
        if (target == typeof(double))
        {
            if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d))
            {
                value = d;
                return true;
            }
            error = $"expects a finite number, got '{text}'";
            return false;
        }
        if (target.IsEnum)
        {
            foreach (FieldInfo member in target.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                if (Spellings(member).Any(s => string.Equals(s, text.Trim(), StringComparison.OrdinalIgnoreCase)))
                {
                    value = member.GetValue(null);
                    return true;
                }
            }
            error = $"expects one of {string.Join(", ", CanonicalNames(target))}; got '{text}'";
            return false;
        }
        throw new NotSupportedException($"Config fields of type {type} are not supported; add a parser for it.");
    }

    /// <summary>The name an enum value is written with in the resolved config.</summary>
    public static string CanonicalName(FieldInfo member) =>
        member.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? member.Name.ToLowerInvariant();

    public static IEnumerable<string> CanonicalNames(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static).Select(CanonicalName);

    private static IEnumerable<string> Spellings(FieldInfo member) =>
        member.GetCustomAttributes<ConfigAliasAttribute>().Select(a => a.Alias).Prepend(CanonicalName(member));

    private static string Describe(Type type) =>
        type == typeof(bool) ? "true or false"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(double) ? "a number"
        : type.IsEnum ? "one of " + string.Join(", ", CanonicalNames(type))
        : "a non-empty text";

}
