using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using DeltaTui.Training.Config;
using DeltaTui.Torch.Runtime;

namespace DeltaTui.Cli;

/// <summary>The <c>deltatui</c> command line: picks libtorch before anything touches torch, then dispatches to a verb.</summary>
public static class DeltaTuiCli
{
    /// <summary>Shared by every verb (recursive): which libtorch folder to load.</summary>
    public static Option<string?> LibTorchOption { get; } = new(LibTorchSelection.Option)
    {
        Description = $"Load libtorch from this folder (e.g. an installed PyTorch's torch/lib) instead of TorchSharp's own; also {LibTorchSelection.EnvironmentVariable}",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        CudaAllocatorDefaults.Apply();
        var selection = LibTorchSelection.Resolve(
            LibTorchSelection.FindInArguments(args),
            Environment.GetEnvironmentVariable(LibTorchSelection.EnvironmentVariable));
        try
        {
            TorchRuntime.Select(selection);
        }
        catch (LibTorchException e)
        {
            await error.WriteLineAsync($"deltatui: {e.Message}");
            return ExitCodes.LibTorch;
        }

        RootCommand root = CreateRoot();
        ParseResult parsed = root.Parse(args);
        // Verbs own their signals (train finishes the step and saves on SIGINT/SIGTERM, then exits 0).
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
    }

    public static RootCommand CreateRoot() => CreateRoot(libraryHelp: false);

    private static RootCommand CreateRoot(bool libraryHelp)
    {
        var root = new RootCommand("DeltaTui: DPO fine-tuning of Gemma-3 models, and which weights it moves.") { HelpName = "deltatui" };
        root.Options.Add(LibTorchOption);
        if (!libraryHelp) ConfigOverridesHelp(root);
        foreach (Command command in CommandCatalog.CreateAll())
            root.Subcommands.Add(command);
        root.SetAction((parseResult, cancellationToken) => RunDefaultAsync(root, parseResult, cancellationToken));
        return root;
    }

    /// <summary>
    /// Verbs that take config overrides (<c>--section.key value</c>) say so in their help, where the library would show
    /// its placeholder for unmatched arguments.
    /// </summary>
    private static void ConfigOverridesHelp(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new OverridesHelpAction();
    }

    /// <summary>The library's help (written by a twin command tree into a buffer), with the overrides section in place of its placeholder.</summary>
    private sealed class OverridesHelpAction : SynchronousCommandLineAction
    {
        private const string Placeholder = "Additional Arguments:";
        private const string PlaceholderUsage = "[[--] <additional arguments>...]]";

        public override int Invoke(ParseResult parseResult)
        {
            var text = new StringWriter();
            CreateRoot(libraryHelp: true).Parse(parseResult.Tokens.Select(t => t.Value).ToList())
                .Invoke(new InvocationConfiguration { Output = text, Error = parseResult.InvocationConfiguration.Error });
            var help = text.ToString().Replace(PlaceholderUsage, "[--section.key value ...]", StringComparison.Ordinal);
            var at = help.IndexOf(Placeholder, StringComparison.Ordinal);
            if (at >= 0)
            {
                help = help[..at] + string.Join(Environment.NewLine,
                    "Config overrides:",
                    "  --section.key value  Any configuration key, e.g. --dpo.beta 0.2 (also --section.key=value);",
                    "                       `deltatui config keys` lists every key, `deltatui config show` the values in effect",
                    "");
            }
            parseResult.InvocationConfiguration.Output.Write(help);
            return 0;
        }
    }

    /// <summary>No verb: the main job, training on the embedded default.</summary>
    private static async Task<int> RunDefaultAsync(RootCommand root, ParseResult parseResult, CancellationToken cancellationToken)
    {
        string[] trainArgs = ["train", "--config", ConfigPaths.Locate(ConfigPaths.Demo)];
        return await root.Parse(trainArgs).InvokeAsync(parseResult.InvocationConfiguration, cancellationToken);
    }
}
