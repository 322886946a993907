namespace DeltaTui.Dashboard;

/// <summary>Whether a full-screen dashboard can run here, and with how many colours.</summary>
public sealed record TerminalCapabilities(bool Interactive, string? HeadlessReason, bool SixteenColors, bool NoColor)
{
    public static TerminalCapabilities Detect() => Detect(
        Environment.GetEnvironmentVariable("TERM"),
        Environment.GetEnvironmentVariable("NO_COLOR"),
        Console.IsInputRedirected,
        Console.IsOutputRedirected);

    public static TerminalCapabilities Detect(string? term, string? noColor, bool inputRedirected, bool outputRedirected)
    {
        string? reason =
            outputRedirected ? "standard output is not a terminal"
            : inputRedirected ? "standard input is not a terminal"
            : string.IsNullOrEmpty(term) ? "TERM is not set"
            : term == "dumb" ? "TERM=dumb"
            : null;
        // The Linux console and plain xterm/screen/vt100 entries have 16 colours; *-256color and truecolor ones more.
        bool sixteen = term is not null && !term.Contains("256", StringComparison.Ordinal) && !term.Contains("truecolor", StringComparison.Ordinal)
                       && !term.Contains("direct", StringComparison.Ordinal);
        return new TerminalCapabilities(reason is null, reason, sixteen, !string.IsNullOrEmpty(noColor));
    }
}
