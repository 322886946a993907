using Xunit;
using System.Reflection;
using System.Xml.Linq;
using DeltaTui.Core.Control;
using DeltaTui.Dashboard;

namespace DeltaTui.Tests.Architecture;

/// <summary>The rules of docs/architecture.md that must never break, each a test that fails when it does.</summary>
public sealed class LayeringTests
{
    public static TheoryData<string> Projects() => new(LayerRules.AllowedProjects.Keys);

    [Theory]
    [MemberData(nameof(Projects))]
    public void Given_a_compiled_layer_When_its_references_are_read_Then_none_runs_back_up_or_reaches_a_forbidden_package(string project)
    {
        var assembly = Assembly.Load(project);

        var problems = LayerRules.AssemblyViolations(assembly, LayerRules.AllowedProjects[project], LayerRules.Forbidden[project]);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Given_a_layer_s_project_file_When_its_references_are_read_Then_none_runs_back_up_or_names_a_forbidden_package(string project)
    {
        var file = Path.Combine(RepositoryRoot(), LayerRules.ProjectFiles[project]);

        var problems = LayerRules.ProjectFileViolations(project, XDocument.Load(file), LayerRules.AllowedProjects[project], LayerRules.Forbidden[project]);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Given_the_dashboard_s_views_When_their_code_is_read_Then_none_reaches_the_control_interface()
    {
        var app = typeof(DashboardWindow).Assembly;

        var problems = LayerRules.NamespaceReaches(app, "DeltaTui.Dashboard.Views", typeof(ITrainingControl).Namespace!);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Given_every_project_in_src_When_listed_Then_each_has_its_rules()
    {
        var projects = Directory.GetFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(RepositoryRoot(), p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

        Assert.Equal(LayerRules.ProjectFiles.Values.Order(StringComparer.Ordinal), projects);
    }

    // The checks themselves must be able to fail: each is shown a case that breaks its rule.

    [Fact]
    public void Given_the_training_assembly_When_checked_against_a_rule_forbidding_TorchSharp_Then_the_check_reports_it()
    {
        var training = Assembly.Load("DeltaTui.Training");

        var problems = LayerRules.AssemblyViolations(training, [], [LayerRules.TorchSharp]);

        Assert.Contains(problems, p => p.Contains("TorchSharp", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("DeltaTui.Core", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_a_core_project_file_with_a_reference_up_and_TorchSharp_When_checked_Then_both_are_reported()
    {
        var project = XDocument.Parse("""
            <Project Sdk="Microsoft.NET.Sdk"><ItemGroup>
              <ProjectReference Include="../Training/Training.csproj" />
              <PackageReference Include="TorchSharp-cpu" />
            </ItemGroup></Project>
            """);

        var problems = LayerRules.ProjectFileViolations("DeltaTui.Core", project, LayerRules.AllowedProjects["DeltaTui.Core"], LayerRules.Forbidden["DeltaTui.Core"]);

        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void Given_the_dashboard_host_When_checked_for_the_control_interface_Then_its_use_is_found()
    {
        var app = typeof(DashboardWindow).Assembly;

        var problems = LayerRules.NamespaceReaches(app, "DeltaTui.Dashboard", typeof(ITrainingControl).Namespace!);

        Assert.NotEmpty(problems);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeltaTui.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No DeltaTui.sln above {AppContext.BaseDirectory}.");
    }
}
