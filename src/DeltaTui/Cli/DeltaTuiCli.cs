using System.CommandLine;
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

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("DeltaTui: DPO fine-tuning of Gemma-3 models, and which weights it moves.");
        root.Options.Add(LibTorchOption);
        foreach (Command command in CommandCatalog.CreateAll())
            root.Subcommands.Add(command);
        root.SetAction((parseResult, cancellationToken) => RunDefaultAsync(root, parseResult, cancellationToken));
        return root;
    }

    /// <summary>No verb: the main job, training on the embedded default.</summary>
    private static async Task<int> RunDefaultAsync(RootCommand root, ParseResult parseResult, CancellationToken cancellationToken)
    {
        string[] trainArgs = ["train", "--config", ConfigPaths.Locate(ConfigPaths.Demo)];
        return await root.Parse(trainArgs).InvokeAsync(parseResult.InvocationConfiguration, cancellationToken);
    }
}
