using System.Reflection;
using System.Reflection.Emit;
using System.Xml.Linq;

namespace DeltaTui.Tests.Architecture;

/// <summary>
/// The layers of docs/architecture.md as data: each project, and the assemblies of ours and of others that it
/// may reference. Checked twice: over the compiled assemblies (what the code really uses) and over the project
/// files (what the build allows), so an arrow that runs back up fails a test even before it is used.
/// </summary>
public static class LayerRules
{
    public const string TorchSharp = "TorchSharp";
    public const string TerminalGui = "Terminal.Gui";

    /// <summary>Project (assembly name) → the projects of ours it may reference, lowest layer first.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AllowedProjects = new Dictionary<string, string[]>
    {
        ["DeltaTui.Core"] = [],
        ["DeltaTui.Telemetry"] = ["DeltaTui.Core"],
        ["DeltaTui.Formats"] = ["DeltaTui.Core"],
        ["DeltaTui.Torch"] = ["DeltaTui.Core", "DeltaTui.Formats"],
        ["DeltaTui.Gemma"] = ["DeltaTui.Core", "DeltaTui.Formats", "DeltaTui.Torch"],
        ["DeltaTui.Training"] = ["DeltaTui.Core", "DeltaTui.Telemetry", "DeltaTui.Formats", "DeltaTui.Torch", "DeltaTui.Gemma"],
        ["DeltaTui"] = ["DeltaTui.Core", "DeltaTui.Telemetry", "DeltaTui.Formats", "DeltaTui.Torch", "DeltaTui.Gemma", "DeltaTui.Training"],
    };

    /// <summary>Outside assemblies a project must never reference (by name prefix).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Forbidden = new Dictionary<string, string[]>
    {
        ["DeltaTui.Core"] = [TorchSharp, TerminalGui],
        ["DeltaTui.Telemetry"] = [TorchSharp, TerminalGui],
        ["DeltaTui.Formats"] = [TorchSharp, TerminalGui],
        ["DeltaTui.Torch"] = [TerminalGui],
        ["DeltaTui.Gemma"] = [TerminalGui],
        ["DeltaTui.Training"] = [TerminalGui],
        ["DeltaTui"] = [],
    };

    /// <summary>The project file of each assembly, relative to the repository root.</summary>
    public static readonly IReadOnlyDictionary<string, string> ProjectFiles = new Dictionary<string, string>
    {
        ["DeltaTui.Core"] = "src/DeltaTui.Core/DeltaTui.Core.csproj",
        ["DeltaTui.Telemetry"] = "src/DeltaTui.Telemetry/DeltaTui.Telemetry.csproj",
        ["DeltaTui.Formats"] = "src/DeltaTui.Formats/DeltaTui.Formats.csproj",
        ["DeltaTui.Torch"] = "src/DeltaTui.Torch/DeltaTui.Torch.csproj",
        ["DeltaTui.Gemma"] = "src/DeltaTui.Gemma/DeltaTui.Gemma.csproj",
        ["DeltaTui.Training"] = "src/Training/Training.csproj",
        ["DeltaTui"] = "src/DeltaTui/DeltaTui.csproj",
    };

    /// <summary>Every broken rule of <paramref name="assembly"/>'s compiled references, as readable lines.</summary>
    public static IReadOnlyList<string> AssemblyViolations(Assembly assembly, IReadOnlyList<string> allowedOurs, IReadOnlyList<string> forbidden)
    {
        var name = assembly.GetName().Name!;
        var problems = new List<string>();
        foreach (var reference in assembly.GetReferencedAssemblies().Select(r => r.Name!))
        {
            if (IsOurs(reference) && !allowedOurs.Contains(reference))
                problems.Add($"{name} references {reference}, a layer it must not depend on");
            foreach (var prefix in forbidden.Where(p => reference.StartsWith(p, StringComparison.Ordinal)))
                problems.Add($"{name} references {reference} ({prefix} is forbidden in this layer)");
        }
        return problems;
    }

    /// <summary>Every broken rule in a project file's ProjectReference and PackageReference items.</summary>
    public static IReadOnlyList<string> ProjectFileViolations(string name, XDocument project, IReadOnlyList<string> allowedOurs, IReadOnlyList<string> forbidden)
    {
        var problems = new List<string>();
        foreach (var reference in project.Descendants("ProjectReference").Select(e => (string?)e.Attribute("Include") ?? ""))
        {
            var file = Path.GetFileNameWithoutExtension(reference.Replace('\\', '/'));
            var assembly = ProjectFiles.FirstOrDefault(p => Path.GetFileNameWithoutExtension(p.Value) == file).Key ?? file;
            if (!allowedOurs.Contains(assembly))
                problems.Add($"{name}'s project file references {reference}, a layer it must not depend on");
        }
        foreach (var package in project.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? ""))
        foreach (var prefix in forbidden.Where(p => package.StartsWith(p, StringComparison.Ordinal)))
            problems.Add($"{name}'s project file references package {package} ({prefix} is forbidden in this layer)");
        return problems;
    }

    /// <summary>
    /// Members of types in <paramref name="namespacePrefix"/> (fields, signatures and method bodies) that reach a type
    /// of <paramref name="forbiddenNamespace"/>.
    /// </summary>
    public static IReadOnlyList<string> NamespaceReaches(Assembly assembly, string namespacePrefix, string forbiddenNamespace)
    {
        var problems = new List<string>();
        bool Bad(Type? t) => t is not null && (t.Namespace ?? "").StartsWith(forbiddenNamespace, StringComparison.Ordinal)
                                || (t is { IsGenericType: true } && t.GetGenericArguments().Any(a => (a.Namespace ?? "").StartsWith(forbiddenNamespace, StringComparison.Ordinal)));
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes().Where(t => (t.Namespace ?? "").StartsWith(namespacePrefix, StringComparison.Ordinal)))
        {
            foreach (var field in type.GetFields(all).Where(f => Bad(f.FieldType)))
                problems.Add($"{type.FullName}.{field.Name} is a {field.FieldType}");
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                foreach (var parameter in method.GetParameters().Where(p => Bad(p.ParameterType)))
                    problems.Add($"{type.FullName}.{method.Name} takes a {parameter.ParameterType}");
                foreach (var member in MembersUsedBy(method))
                {
                    var target = member as Type ?? member.DeclaringType;
                    if (Bad(target))
                        problems.Add($"{type.FullName}.{method.Name} uses {target}.{(member is Type ? "" : member.Name)}");
                }
            }
        }
        return problems;
    }

    private static bool IsOurs(string assembly) => assembly == "DeltaTui" || assembly.StartsWith("DeltaTui.", StringComparison.Ordinal);

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types, methods and fields a method body names through metadata tokens.</summary>
    private static IEnumerable<MemberInfo> MembersUsedBy(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            if (!OpCodesByValue.TryGetValue(value, out var op)) yield break;
            var operandSize = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try { member = module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                catch (ArgumentException) { }
                if (member is not null) yield return member;
            }
            i += operandSize;
        }
    }
}
