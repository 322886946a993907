namespace DeltaTui.Cli;

/// <summary>An input to <c>deltatui logits</c> that cannot be used; the message names the option or file.</summary>
public sealed class LogitsInputException(string message) : Exception(message);
