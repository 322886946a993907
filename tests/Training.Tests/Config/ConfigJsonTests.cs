using DeltaTui.Training.Masks;
using System.Text.Json;
using DeltaTui.Training.Config;
using Xunit;

namespace DeltaTui.Training.Tests.Config;

public class ConfigJsonTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    [Fact]
    public void Given_a_resolved_config_When_written_and_loaded_again_Then_it_is_the_same_config()
    {
        using var files = new ConfigFiles();
        DeltaTuiOptions original = ConfigLoader.Load(new ConfigSources(
            [ConfigFiles.Shipped("gemma-3-270m-it.json")], NoEnvironment,
            ["--run.name", "resolved", "--optimizer.betas", "0.85,0.98", "--masks.scope", "per-tensor"]));
        string path = files.PathOf("run/config.json");

        ConfigJson.WriteAtomically(original, path);
        DeltaTuiOptions reloaded = ConfigLoader.Load(new ConfigSources([path], NoEnvironment, []));

        Assert.Equal(ConfigJson.Serialize(original), ConfigJson.Serialize(reloaded));
        Assert.Equal([0.85, 0.98], reloaded.Optimizer.Betas);
        Assert.Equal(original with { Optimizer = reloaded.Optimizer }, reloaded);
        Assert.Equal(["config.json"], Directory.GetFiles(files.PathOf("run")).Select(Path.GetFileName));
    }

    [Fact]
    public void Given_options_When_serialised_Then_sections_keys_and_enum_names_are_the_ones_users_write()
    {
        var options = new DeltaTuiOptions
        {
            Optimizer = new OptimizerOptions { Type = OptimizerType.BsrAdamW },
            Masks = new MaskOptions { Scope = MaskScope.PerTensor },
            Model = new ModelOptions { DType = TensorDType.BFloat16 },
        };

        using JsonDocument json = JsonDocument.Parse(ConfigJson.Serialize(options));
        JsonElement root = json.RootElement;

        Assert.Equal("bsr-adamw", root.GetProperty("optimizer").GetProperty("type").GetString());
        Assert.Equal("per-tensor", root.GetProperty("masks").GetProperty("scope").GetString());
        Assert.Equal("bfloat16", root.GetProperty("model").GetProperty("dtype").GetString());
        Assert.Equal(32, root.GetProperty("optimizer").GetProperty("bsr_block_size").GetInt32());
        Assert.Equal(10, root.GetProperty("training").GetProperty("max_consecutive_nonfinite").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("run").GetProperty("name").ValueKind);
    }

    [Fact]
    public void Given_every_record_field_When_inspected_Then_each_has_a_doc_comment_in_its_source_file()
    {
        // The records are the documentation of the config format; a field without a comment is a gap in it.
        string configFolder = Path.GetDirectoryName(ConfigFiles.Shipped("demo.json"))!;
        string sources = Path.Combine(configFolder, "..", "src", "Training", "Config");
        var undocumented = new List<string>();
        foreach (string file in Directory.GetFiles(sources, "*Options.cs"))
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (!lines[i].TrimStart().StartsWith("public ", StringComparison.Ordinal) || !lines[i].Contains("{ get; init; }", StringComparison.Ordinal))
                    continue;
                int j = i - 1;
                while (j >= 0 && lines[j].TrimStart().StartsWith('[')) j--;
                if (j < 0 || !lines[j].TrimStart().StartsWith("///", StringComparison.Ordinal))
                    undocumented.Add($"{Path.GetFileName(file)}:{i + 1}");
            }
        }

        Assert.Empty(undocumented);
    }
}
