namespace DeltaTui.Cli;

/// <summary>Process exit codes shared by all commands.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and found something wrong (doctor not ready, a benchmark failed).</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments or configuration; nothing was started.</summary>
    public const int Usage = 2;

    /// <summary>The chosen libtorch folder could not be loaded.</summary>
    public const int LibTorch = 3;
}
