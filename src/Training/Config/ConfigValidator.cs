using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace DeltaTui.Training.Config;

/// <summary>Range and consistency checks on bound options; adds one problem per violated rule.</summary>
internal static partial class ConfigValidator
{
    public static void Validate(DeltaTuiOptions options, Func<string, string> sourceOf, ICollection<ConfigProblem> problems)
    {
        void Problem(string key, string message) => problems.Add(new ConfigProblem(key, sourceOf(key), message));

        foreach (ConfigSection section in ConfigSchema.Sections)
        {
            object instance = section.Property.GetValue(options)!;
            foreach (ConfigField field in section.Fields)
            {
                object? value = field.Property.GetValue(instance);
                if (field.Property.GetCustomAttribute<ConfigRangeAttribute>() is { } range
                    && value is not null && !range.Contains(Convert.ToDouble(value, CultureInfo.InvariantCulture)))
                    Problem(field.DottedKey, $"{Format(value)} is out of range: must be {range.Describe()}");
                if (field.Property.GetCustomAttribute<ConfigOneOfAttribute>() is { } oneOf
                    && value is not null && !oneOf.Values.Contains(Convert.ToInt64(value, CultureInfo.InvariantCulture)))
                    Problem(field.DottedKey, $"{Format(value)} is not allowed: must be one of {string.Join(", ", oneOf.Values)}");
                if (field.Property.PropertyType == typeof(string) && value is string text && text.Trim().Length == 0)
                    Problem(field.DottedKey, "must not be blank");
            }
        }

        if (!DevicePattern().IsMatch(options.Run.Device))
            Problem("run.device", $"'{options.Run.Device}' is not a device: use auto, cpu, cuda or cuda:N");

        if (options.Run.Name is { } name && !RunNamePattern().IsMatch(name))
            Problem("run.name", $"'{name}' cannot name a folder: use 1-100 letters, digits, '.', '_' or '-', not starting with '.'");

        if (options.Run.DType is { } activations && activations != options.Model.DType)
            Problem("run.dtype", $"{Format(activations)} differs from model.dtype {Format(options.Model.DType)}: activations are computed in the weights' type "
                + "(mixed precision is not supported), so remove run.dtype or set it to model.dtype");

        if (options.Training.Steps == 0 && options.Training.Epochs == 0)
            Problem("training.steps", "training.steps and training.epochs are both 0: set one of them");

        if (options.Optimizer.ActiveFrom is { } activeFrom && options.Optimizer.Type != OptimizerType.BsrAdamW)
            Problem("optimizer.active_from", $"'{activeFrom}' sets the active blocks of BSR-AdamW, but optimizer.type is {Format(options.Optimizer.Type)}: "
                + "set optimizer.type to bsr-adamw, or remove optimizer.active_from");

        IReadOnlyList<double> betas = options.Optimizer.Betas;
        if (betas.Count != 2)
            Problem("optimizer.betas", $"expects two numbers [beta1, beta2], got {betas.Count}");
        else if (betas.Any(b => b is < 0 or >= 1))
            Problem("optimizer.betas", $"[{string.Join(", ", betas.Select(b => Format(b)))}] is out of range: each must be >= 0 and < 1");
    }

    private static string Format(object value) => value switch
    {
        Enum e => ConfigValueParser.CanonicalName(e.GetType().GetField(e.ToString())!),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [GeneratedRegex(@"^(auto|cpu|cuda(:[0-9]{1,3})?)$")]
    private static partial Regex DevicePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,99}$")]
    private static partial Regex RunNamePattern();
}
