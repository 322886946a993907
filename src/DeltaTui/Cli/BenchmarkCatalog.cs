using System.Reflection;
using DeltaTui.Benchmarks;

namespace DeltaTui.Cli;

/// <summary>Every <see cref="IBenchmark"/> with a public parameterless constructor in an assembly, by name.</summary>
public static class BenchmarkCatalog
{
    public static IReadOnlyList<IBenchmark> Discover(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchmark).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
}
