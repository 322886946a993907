using System.CommandLine;
using System.Reflection;

namespace DeltaTui.Cli;

/// <summary>
/// Finds the verbs: every class in this namespace with a <c>public static Command Create()</c>.
/// A new verb is a new file; nothing else needs to change to register it.
/// </summary>
public static class CommandCatalog
{
    public static IReadOnlyList<Command> CreateAll() =>
        typeof(CommandCatalog).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(CommandCatalog).Namespace && t.IsClass)
            .Select(t => t.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes))
            .Where(m => m is not null && m.ReturnType == typeof(Command))
            .Select(m => (Command)m!.Invoke(null, null)!)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
}
