using DeltaTui.Training.Masks;
using DeltaTui.Training.Config;
using Xunit;

namespace DeltaTui.Training.Tests.Config;

public class ConfigLoaderTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    private static DeltaTuiOptions Load(IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? environment = null, params string[] overrides) =>
        ConfigLoader.Load(new ConfigSources(files, environment ?? NoEnvironment, overrides));

    private static ConfigException LoadFails(IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? environment = null, params string[] overrides) =>
        Assert.Throws<ConfigException>(() => Load(files, environment, overrides));

    [Fact]
    public void Given_no_sources_When_loading_Then_every_field_has_its_documented_default()
    {
        DeltaTuiOptions options = Load([]);

        Assert.Equal(new DeltaTuiOptions() with { Optimizer = options.Optimizer }, options);
        Assert.Equal([0.9, 0.999], options.Optimizer.Betas);
        Assert.Equal(0.1, options.Dpo.Beta);
        Assert.Equal(0.0025, options.Masks.HybridFloor);
        Assert.Equal(1e-5, options.Delta.Tol);
        Assert.Equal("runs", options.Run.OutputRoot);
        Assert.Equal("masks", options.Masks.OutputDir);
    }

    [Fact]
    public void Given_the_shipped_demo_config_When_loading_Then_it_is_valid_and_embedded()
    {
        DeltaTuiOptions options = Load([ConfigFiles.Shipped("demo.json")]);

        Assert.Equal("embedded", options.Model.Path);
        Assert.Equal("embedded", options.Data.Path);
        Assert.Null(options.Run.Name);
    }

    [Fact]
    public void Given_the_shipped_270m_config_When_loading_Then_it_selects_bf16_and_bsr_adamw()
    {
        DeltaTuiOptions options = Load([ConfigFiles.Shipped("gemma-3-270m-it.json")]);

        Assert.Equal(TensorDType.BFloat16, options.Model.DType);
        Assert.Equal(OptimizerType.BsrAdamW, options.Optimizer.Type);
        Assert.Equal(5e-6, options.Optimizer.Lr);
        Assert.Equal(MaskScope.Hybrid, options.Masks.Scope);
    }

    [Fact]
    public void Given_a_value_in_file_env_and_command_line_When_loading_Then_command_line_wins_then_env_then_file()
    {
        using var files = new ConfigFiles();
        string base1 = files.Write("a.json", """{"optimizer": {"lr": 1e-4, "eps": 1e-7}, "training": {"steps": 5}}""");
        string base2 = files.Write("b.json", """{"optimizer": {"eps": 1e-6}}""");
        var env = new Dictionary<string, string> { ["DELTATUI_OPTIMIZER__LR"] = "2e-4", ["DELTATUI_TRAINING__STEPS"] = "7" };

        Assert.Equal(1e-4, Load([base1]).Optimizer.Lr);
        Assert.Equal(1e-6, Load([base1, base2]).Optimizer.Eps);
        Assert.Equal(2e-4, Load([base1], env).Optimizer.Lr);
        DeltaTuiOptions all = Load([base1, base2], env, "--optimizer.lr", "3e-4");
        Assert.Equal(3e-4, all.Optimizer.Lr);
        Assert.Equal(7, all.Training.Steps);
        Assert.Equal(1e-6, all.Optimizer.Eps);
    }

    [Theory]
    [InlineData("--optimizer.lr", "0.5")]
    [InlineData("--optimizer:lr", "0.5")]
    [InlineData("--optimizer.lr=0.5", null)]
    [InlineData("--OPTIMIZER.LR", "0.5")]
    public void Given_each_override_spelling_When_loading_Then_the_value_is_set(string token, string? value)
    {
        string[] overrides = value is null ? [token] : [token, value];

        Assert.Equal(0.5, Load([], null, overrides).Optimizer.Lr);
    }

    [Fact]
    public void Given_an_unknown_key_in_a_file_When_loading_Then_the_error_names_key_file_line_and_a_suggestion()
    {
        using var files = new ConfigFiles();
        string path = files.Write("typo.json", "{\n  \"optimizer\": {\n    \"lrr\": 1e-5\n  }\n}");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal("optimizer.lrr", problem.Key);
        Assert.Equal($"{path} line 3", problem.Source);
        Assert.Contains("did you mean 'lr'", problem.Message);
    }

    [Fact]
    public void Given_an_unknown_section_in_the_environment_When_loading_Then_the_error_names_the_variable()
    {
        var env = new Dictionary<string, string> { ["DELTATUI_OPTIMISER__LR"] = "1e-5" };

        ConfigProblem problem = Assert.Single(LoadFails([], env).Problems);

        Assert.Equal("optimiser.lr", problem.Key);
        Assert.Equal("environment variable DELTATUI_OPTIMISER__LR", problem.Source);
        Assert.Contains("did you mean 'optimizer'", problem.Message);
    }

    [Fact]
    public void Given_tool_variables_without_a_double_underscore_When_loading_Then_they_are_not_config_keys()
    {
        var env = new Dictionary<string, string>
        {
            ["DELTATUI_LIBTORCH"] = "/opt/torch/lib",
            ["DELTATUI_COMPAT"] = "none",
            ["PATH"] = "/usr/bin",
            ["OTHER__KEY"] = "x",
        };

        Assert.Equal(new DeltaTuiOptions().Run, Load([], env).Run);
    }

    [Fact]
    public void Given_a_wrong_type_from_the_environment_When_loading_Then_the_error_quotes_the_value_and_names_the_variable()
    {
        var env = new Dictionary<string, string> { ["DELTATUI_TRAINING__STEPS"] = "many" };

        ConfigProblem problem = Assert.Single(LoadFails([], env).Problems);

        Assert.Equal("training.steps", problem.Key);
        Assert.Equal("environment variable DELTATUI_TRAINING__STEPS", problem.Source);
        Assert.Equal("expects a whole number, got 'many'", problem.Message);
    }

    [Fact]
    public void Given_an_out_of_range_value_on_the_command_line_When_loading_Then_the_error_states_the_bound()
    {
        ConfigProblem problem = Assert.Single(LoadFails([], null, "--dpo.beta", "-1").Problems);

        Assert.Equal("dpo.beta", problem.Key);
        Assert.Equal("command line --dpo.beta", problem.Source);
        Assert.Equal("-1 is out of range: must be > 0 and <= 1000", problem.Message);
    }

    [Fact]
    public void Given_an_invalid_enum_name_When_loading_Then_the_error_lists_the_valid_names()
    {
        using var files = new ConfigFiles();
        string path = files.Write("sgd.json", """{"optimizer": {"type": "sgd"}}""");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal("optimizer.type", problem.Key);
        Assert.Equal($"{path} line 1", problem.Source);
        Assert.Equal("expects one of adamw, bsr-adamw; got 'sgd'", problem.Message);
    }

    [Fact]
    public void Given_a_block_size_the_kernels_do_not_support_When_loading_Then_the_allowed_sizes_are_listed()
    {
        ConfigProblem problem = Assert.Single(LoadFails([], null, "--optimizer.bsr_block_size", "48").Problems);

        Assert.Equal("48 is not allowed: must be one of 16, 32, 64, 128", problem.Message);
    }

    [Fact]
    public void Given_several_problems_in_several_sources_When_loading_Then_all_are_reported_together()
    {
        using var files = new ConfigFiles();
        string path = files.Write("bad.json", """{"masks": {"sparsity": 1.5, "scope": "local"}, "run": {"device": "gpu"}}""");
        var env = new Dictionary<string, string> { ["DELTATUI_DATA__MAX_LENGTH"] = "long" };

        ConfigException error = LoadFails([path], env, "--telemetry.interval_ms", "10");

        Assert.Equal(
            ["data.max_length", "masks.scope", "masks.sparsity", "run.device", "telemetry.interval_ms"],
            error.Problems.Select(p => p.Key).Order());
        Assert.Contains("5 problems", error.Message);
        Assert.Contains("nothing was started", error.Message);
    }

    [Fact]
    public void Given_a_file_that_is_not_json_When_loading_Then_the_error_names_the_line()
    {
        using var files = new ConfigFiles();
        string path = files.Write("broken.json", "{\n  \"run\": {\n    \"seed\": 1,,\n  }\n}");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal($"{path} line 3", problem.Source);
        Assert.StartsWith("is not valid JSON", problem.Message);
    }

    [Fact]
    public void Given_a_file_that_is_not_utf8_When_loading_Then_it_is_rejected_with_its_line()
    {
        using var files = new ConfigFiles();
        string path = files.WriteBytes("latin1.json", [.. "{\n\"run\": {\"name\": \"caf"u8, 0xE9, .. "\"}}"u8]);

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal($"{path} line 2", problem.Source);
        Assert.Equal("is not UTF-8 text", problem.Message);
    }

    [Fact]
    public void Given_a_missing_file_When_loading_Then_the_error_names_it()
    {
        using var files = new ConfigFiles();
        string path = files.PathOf("absent.json");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal(path, problem.Source);
        Assert.Equal("file not found", problem.Message);
    }

    [Fact]
    public void Given_a_key_written_twice_When_loading_Then_the_duplicate_is_an_error()
    {
        using var files = new ConfigFiles();
        string path = files.Write("dup.json", "{\"dpo\": {\n\"beta\": 0.1,\n\"Beta\": 0.2}}");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal("dpo.Beta", problem.Key);
        Assert.Equal($"{path} line 3", problem.Source);
    }

    [Fact]
    public void Given_a_scalar_where_a_section_belongs_When_loading_Then_it_is_an_error()
    {
        using var files = new ConfigFiles();
        string path = files.Write("flat.json", """{"optimizer": "adamw"}""");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal("optimizer", problem.Key);
        Assert.StartsWith("must be an object of keys", problem.Message);
    }

    [Fact]
    public void Given_an_object_where_a_number_belongs_When_loading_Then_it_is_an_error()
    {
        using var files = new ConfigFiles();
        string path = files.Write("nested.json", """{"optimizer": {"lr": {"peak": 1e-5}}}""");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal("optimizer.lr", problem.Key);
        Assert.Equal("expects a number, got an object or a nested list", problem.Message);
    }

    [Fact]
    public void Given_betas_as_a_json_list_or_a_comma_list_When_loading_Then_the_top_layer_supplies_the_whole_list()
    {
        using var files = new ConfigFiles();
        string path = files.Write("betas.json", """{"optimizer": {"betas": [0.8, 0.95]}}""");
        var env = new Dictionary<string, string> { ["DELTATUI_OPTIMIZER__BETAS"] = "0.5, 0.6" };

        Assert.Equal([0.8, 0.95], Load([path]).Optimizer.Betas);
        Assert.Equal([0.5, 0.6], Load([path], env).Optimizer.Betas);
    }

    [Fact]
    public void Given_betas_with_a_bad_element_or_count_When_loading_Then_each_is_an_error()
    {
        using var files = new ConfigFiles();
        string path = files.Write("betas.json", "{\"optimizer\": {\"betas\": [\n0.9,\n\"x\"]}}");

        ConfigProblem element = Assert.Single(LoadFails([path]).Problems);
        ConfigProblem count = Assert.Single(LoadFails([], null, "--optimizer.betas", "0.9").Problems);

        Assert.Equal("optimizer.betas[1]", element.Key);
        Assert.Equal($"{path} line 3", element.Source);
        Assert.Equal("expects two numbers [beta1, beta2], got 1", count.Message);
    }

    [Fact]
    public void Given_dtype_aliases_When_loading_Then_they_map_to_the_canonical_type()
    {
        DeltaTuiOptions options = Load([], null, "--model.dtype", "BF16", "--run.dtype", "bf16");

        Assert.Equal(TensorDType.BFloat16, options.Model.DType);
        Assert.Equal(TensorDType.BFloat16, options.Run.DType);
    }

    [Fact]
    public void Given_an_activation_dtype_other_than_the_weights_When_loading_Then_run_dtype_is_rejected_naming_both()
    {
        ConfigProblem problem = Assert.Single(LoadFails([], null, "--model.dtype", "bf16", "--run.dtype", "fp32").Problems);

        Assert.Equal("run.dtype", problem.Key);
        Assert.Contains("float32 differs from model.dtype bfloat16", problem.Message);
    }

    [Fact]
    public void Given_no_activation_dtype_When_loading_Then_it_is_unset_and_any_weight_dtype_is_accepted()
    {
        DeltaTuiOptions options = Load([], null, "--model.dtype", "fp16");

        Assert.Null(options.Run.DType);
        Assert.Equal(TensorDType.Float16, options.Model.DType);
    }

    [Fact]
    public void Given_the_profile_key_on_the_command_line_When_loading_Then_profiling_is_on_and_it_is_off_by_default()
    {
        Assert.True(Load([], null, "--training.profile", "true").Training.Profile);
        Assert.False(Load([ConfigFiles.Shipped("demo.json")]).Training.Profile);
        Assert.Equal("training.profile", Assert.Single(LoadFails([], null, "--training.profile", "sometimes").Problems).Key);
    }

    [Theory]
    [InlineData(new[] { "--optimizer.lr" }, "optimizer.lr", "needs a value")]
    [InlineData(new[] { "--lr", "5" }, "lr", "is not an option of this command")]
    [InlineData(new[] { "stray" }, "stray", "unexpected argument")]
    public void Given_a_malformed_override_When_loading_Then_it_is_an_error_not_ignored(string[] overrides, string key, string message)
    {
        ConfigProblem problem = Assert.Single(LoadFails([], null, overrides).Problems);

        Assert.Equal(key, problem.Key);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void Given_a_null_for_an_optional_text_and_for_a_required_one_When_loading_Then_only_the_required_one_fails()
    {
        using var files = new ConfigFiles();
        string path = files.Write("nulls.json", """{"run": {"name": null}, "data": {"eval_path": null, "path": null}}""");

        ConfigProblem problem = Assert.Single(LoadFails([path]).Problems);

        Assert.Equal("data.path", problem.Key);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    public void Given_a_run_name_that_cannot_be_a_folder_When_loading_Then_it_is_an_error(string name)
    {
        ConfigProblem problem = Assert.Single(LoadFails([], null, "--run.name", name).Problems);

        Assert.Equal("run.name", problem.Key);
    }

    [Fact]
    public void Given_neither_steps_nor_epochs_When_loading_Then_the_run_has_no_length_and_fails()
    {
        ConfigProblem problem = Assert.Single(LoadFails([], null, "--training.steps", "0").Problems);

        Assert.Equal("command line --training.steps", problem.Source);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public void Given_each_device_form_When_loading_Then_it_is_accepted(string device)
    {
        Assert.Equal(device, Load([], null, "--run.device", device).Run.Device);
    }
}
