namespace DeltaTui.Torch.Runtime;

/// <summary>Where libtorch comes from: a folder named by <c>--libtorch DIR</c> or <c>DELTATUI_LIBTORCH</c>, else the one bundled with TorchSharp.</summary>
/// <param name="Directory">The chosen folder, or null for TorchSharp's bundled libtorch.</param>
/// <param name="Origin">What chose it, for reports: "--libtorch", "DELTATUI_LIBTORCH" or "bundled with TorchSharp".</param>
public sealed record LibTorchSelection(string? Directory, string Origin)
{
    public const string EnvironmentVariable = "DELTATUI_LIBTORCH";
    public const string Option = "--libtorch";

    public static LibTorchSelection Bundled { get; } = new(null, "bundled with TorchSharp");

    /// <summary>The command line wins over the environment; an empty value counts as not set.</summary>
    public static LibTorchSelection Resolve(string? commandLineValue, string? environmentValue) =>
        !string.IsNullOrWhiteSpace(commandLineValue) ? new LibTorchSelection(commandLineValue, Option)
        : !string.IsNullOrWhiteSpace(environmentValue) ? new LibTorchSelection(environmentValue, EnvironmentVariable)
        : Bundled;

    /// <summary>Finds <c>--libtorch DIR</c> or <c>--libtorch=DIR</c> in raw arguments, before any command parsing (which must not touch torch).</summary>
    public static string? FindInArguments(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == Option && i + 1 < args.Count)
                return args[i + 1];
            if (args[i].StartsWith(Option + "=", StringComparison.Ordinal))
                return args[i][(Option.Length + 1)..];
        }
        return null;
    }
}
