using System.CommandLine;
using DeltaTui.Training.Config;

namespace DeltaTui.Cli;

/// <summary>
/// <c>deltatui config keys</c>: every configuration key with its type, default, allowed range and meaning (from the same
/// records the loader reads). <c>deltatui config show [--config X] [--section.key v ...]</c>: the configuration a run
/// would use, each value with where it came from (file and line, environment variable, option, default).
/// </summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var command = new Command("config", "List the configuration keys, or show the configuration a run would use and where each value came from");
        command.Subcommands.Add(CreateKeys());
        command.Subcommands.Add(CreateShow());
        return command;
    }

    private static Command CreateKeys()
    {
        var keys = new Command("keys", "Every configuration key: type, default, allowed range and meaning");
        keys.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            string? section = null;
            foreach (var key in ConfigKeys.All)
            {
                var name = key.Key[..key.Key.IndexOf('.')];
                if (name != section)
                {
                    if (section is not null) output.WriteLine();
                    output.WriteLine($"[{name}]");
                    section = name;
                }
                var range = key.Range.Length > 0 ? $", {key.Range}" : "";
                output.WriteLine($"  {key.Key}  ({key.Type}{range}; default {Show(key.Default)})");
                if (key.Meaning.Length > 0) output.WriteLine($"      {key.Meaning}");
            }
            output.WriteLine();
            output.WriteLine("Set a key in a config file ({\"section\": {\"key\": value}}), as DELTATUI_SECTION__KEY, or with --section.key value.");
            return ExitCodes.Success;
        });
        return keys;
    }

    private static Command CreateShow()
    {
        var config = new Option<string?>("--config") { Description = $"Configuration file (default {ConfigPaths.Demo})" };
        var show = new Command("show", "The configuration a run would use, each value with where it came from; further --section.key value override it") { config };
        show.TreatUnmatchedTokensAsErrors = false;
        show.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var file = parse.GetValue(config) ?? ConfigPaths.Locate(ConfigPaths.Demo);
            DeltaTuiOptions options;
            IReadOnlyDictionary<string, string> sourceOf;
            try
            {
                options = ConfigLoader.Load(ConfigSources.FromProcess([file], parse.UnmatchedTokens.ToList()), out sourceOf);
            }
            catch (ConfigException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"deltatui config show: {e.Message}");
                return ExitCodes.Usage;
            }
            output.WriteLine($"# {file}");
            var width = ConfigKeys.All.Max(k => k.Key.Length);
            foreach (var key in ConfigKeys.All)
                output.WriteLine($"{key.Key.PadRight(width)}  {Show(ConfigKeys.ValueOf(options, key.Key)),-24}  {sourceOf.GetValueOrDefault(key.Key, "default")}");
            return ExitCodes.Success;
        });
        return show;
    }

    private static string Show(string value) => value.Length == 0 ? "\"\"" : value;
}
