using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeltaTui.Cli;
using DeltaTui.Gemma;
using DeltaTui.Torch.SafeTensors;
using DeltaTui.Training.Config;
using TorchSharp;
using Xunit;

namespace DeltaTui.Tests.Cli;

/// <summary>What a newcomer meets in the first hour: doctor, data errors, leftovers, config discovery, help, gpu, masks.</summary>
public sealed class FirstHourTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deltatui-firsthour-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string[] Outputs(string name) =>
        ["--run.output_root", Path.Combine(_folder, name, "runs"), "--masks.output_dir", Path.Combine(_folder, name, "masks")];

    private static readonly string BadRow = """{"prompt": "a", "chosen": "b"}""";

    private static string GoodRows(int count) =>
        string.Join('\n', Enumerable.Range(0, count).Select(i => $$"""{"prompt": "q{{i}}", "chosen": "yes {{i}}", "rejected": "no {{i}}"}"""));

    [Fact]
    public async Task Given_a_config_whose_model_path_does_not_exist_When_running_doctor_Then_it_fails_and_names_model_path()
    {
        var config = Write("c.json", """{"model":{"path":"/nope"}}""");

        CliRun run = await CliRun.Of("doctor", "--config", config);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("[FAIL] model           model.path '/nope' does not exist", run.Output);
        Assert.Contains("--model.path embedded", run.Output);
        Assert.EndsWith("required check(s) failed", run.Output.TrimEnd());
    }

    [Fact]
    public async Task Given_a_snapshot_When_running_doctor_Then_a_complete_one_passes_and_a_truncated_one_fails_naming_the_file()
    {
        var snapshot = Path.Combine(_folder, "snapshot");
        using (var model = Gemma3ForCausalLM.CreateRandom(Gemma3Config.Tiny(300, hiddenSize: 32, numHiddenLayers: 2), seed: 1))
            model.SavePretrained(snapshot);
        string[] args = ["doctor", "--model.path", snapshot, "--tokenizer.path", "byte", .. Outputs("doctor")];

        CliRun complete = await CliRun.Of(args);
        var weights = Path.Combine(snapshot, Gemma3ForCausalLM.WeightsFileName);
        using (var stream = new FileStream(weights, FileMode.Open)) stream.SetLength(stream.Length - 100);
        CliRun truncated = await CliRun.Of(args);

        Assert.Contains($"[ok  ] model           {snapshot}: 2 layers", complete.Output);
        Assert.Contains("headers complete", complete.Output);
        Assert.Contains("[ok  ] outputs         folders writable; about ", complete.Output);
        Assert.Equal(1, truncated.ExitCode);
        Assert.Contains("[FAIL] model           model.path: ", truncated.Output);
        Assert.Contains("model.safetensors", truncated.Output);
        Assert.Contains("past the end of the data section", truncated.Output);
        Assert.False(Directory.Exists(Path.Combine(_folder, "doctor")), "doctor writes nothing");
    }

    [Fact]
    public async Task Given_a_data_file_whose_first_rows_are_bad_When_running_doctor_Then_it_fails_with_the_line_and_the_real_override()
    {
        var data = Write("bad.jsonl", BadRow + "\n" + GoodRows(3));

        CliRun run = await CliRun.Of(["doctor", "--data.path", data, .. Outputs("d")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"[FAIL] data            data.path: {data}: 1 bad row", run.Output);
        Assert.Contains($"{data}:1: field 'rejected': is missing", run.Output);
        Assert.Contains("--data.skip_bad_rows true", run.Output);
    }

    [Fact]
    public void Given_every_override_an_error_message_suggests_When_parsed_by_the_train_command_and_the_config_loader_Then_each_is_accepted()
    {
        Assert.Contains(SuggestedOverrides.SkipBadRows, SuggestedOverrides.All);
        foreach (var suggestion in SuggestedOverrides.All)
        {
            ParseResult parsed = DeltaTuiCli.CreateRoot().Parse(["train", .. suggestion.Tokens]);
            Assert.Empty(parsed.Errors);
            var overrides = parsed.UnmatchedTokens.ToList();
            Assert.Equal(suggestion.Tokens, overrides);
            var options = ConfigLoader.Load(new ConfigSources([ConfigPaths.Locate(ConfigPaths.Demo)], new Dictionary<string, string>(), overrides));
            var value = ConfigKeys.ValueOf(options, suggestion.Key);
            Assert.True(value == suggestion.Value || double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) == double.Parse(suggestion.Value, System.Globalization.CultureInfo.InvariantCulture),
                $"{suggestion}: loaded as {value}");
        }
    }

    [Fact]
    public async Task Given_bad_data_When_training_Then_the_error_is_printed_once_with_an_override_that_exists_and_no_run_folder_is_left()
    {
        var data = Write("bad.jsonl", BadRow + "\n" + GoodRows(3));

        CliRun run = await CliRun.Of(["train", "--headless", "--data.path", data, .. Outputs("t")]);

        Assert.Equal(1, run.ExitCode);
        var everything = run.Output + run.Error;
        Assert.Single(everything.Split('\n'), line => line.Contains("field 'rejected': is missing", StringComparison.Ordinal));
        Assert.Contains("--data.skip_bad_rows true", run.Error);
        Assert.DoesNotContain("--skip-bad-rows", everything);
        Assert.False(Directory.Exists(Path.Combine(_folder, "t", "runs")), "the run folder (and the runs folder it made) are removed");
    }

    [Fact]
    public async Task Given_a_run_folder_with_a_user_file_When_a_run_into_it_fails_before_its_first_step_Then_the_folder_is_kept()
    {
        var runs = Path.Combine(_folder, "k", "runs");
        Directory.CreateDirectory(Path.Combine(runs, "mine"));
        File.WriteAllText(Path.Combine(runs, "mine", "notes.txt"), "keep me");
        var data = Write("bad.jsonl", BadRow);

        CliRun run = await CliRun.Of(["train", "--headless", "--data.path", data, "--run.name", "mine", .. Outputs("k")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(runs, "mine", "notes.txt")));
    }

    [Fact]
    public async Task Given_skip_bad_rows_When_training_Then_the_skipped_rows_are_on_the_console_and_in_metrics_jsonl()
    {
        var data = Write("mixed.jsonl", BadRow + "\n" + GoodRows(12) + "\n{not json");

        CliRun run = await CliRun.Of(["train", "--headless", "--data.path", data, "--data.skip_bad_rows", "true", "--training.steps", "1",
            "--run.name", "skip", "--telemetry.enabled", "false", .. Outputs("s")]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"warning: {data}: skipped 2 bad rows (1 invalid_json, 1 missing_field); 12 of 14 rows used; first: {data}:1: field 'rejected': is missing", run.Output);
        var metrics = File.ReadAllLines(Path.Combine(_folder, "s", "runs", "skip", "metrics.jsonl"));
        var skipped = JsonNode.Parse(Assert.Single(metrics, l => l.Contains("\"DataRowsSkipped\"", StringComparison.Ordinal)))!;
        Assert.Equal(2, skipped["bad_rows"]!.GetValue<int>());
        Assert.Equal(1, skipped["bad_rows_by_reason"]!["missing_field"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("byte")]
    public async Task Given_a_model_folder_that_does_not_exist_When_training_Then_the_error_names_model_path(string tokenizer)
    {
        CliRun run = await CliRun.Of(["train", "--headless", "--model.path", "/nope", "--tokenizer.path", tokenizer, .. Outputs("m")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model.path '/nope' does not exist", run.Error);
        Assert.DoesNotContain("Could not find a part of the path", run.Output + run.Error);
        Assert.DoesNotContain("tokenizer.json", run.Output + run.Error);
        Assert.False(Directory.Exists(Path.Combine(_folder, "m")));
    }

    [Fact]
    public async Task Given_config_keys_When_listed_Then_they_are_exactly_the_keys_of_the_options_records_and_the_loader_accepts_each()
    {
        CliRun run = await CliRun.Of("config", "keys");

        var listed = run.Output.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("    ", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[0]).ToHashSet();
        // The records as JSON (what a run folder's config.json holds) name every key independently of the schema.
        var written = JsonNode.Parse(ConfigJson.Serialize(new DeltaTuiOptions()))!.AsObject()
            .SelectMany(section => section.Value!.AsObject().Select(key => $"{section.Key}.{key.Key}")).ToHashSet();
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(written.Order(), listed.Order());
        Assert.All(ConfigKeys.All, k => Assert.False(string.IsNullOrWhiteSpace(k.Meaning), $"{k.Key} has no meaning"));
        foreach (var key in ConfigKeys.All.Where(k => k.Default != "null"))
            ConfigLoader.Load(new ConfigSources([], new Dictionary<string, string>(), [$"--{key.Key}", key.Default]));
        Assert.Contains("  masks.sparsity  (number, >= 0 and < 1; default 0.9)", run.Output);
    }

    [Fact]
    public async Task Given_a_file_a_variable_and_an_option_When_showing_the_config_Then_each_value_says_where_it_came_from()
    {
        var config = Write("c.json", "{\n  \"dpo\": {\"beta\": 0.2}\n}");

        CliRun run = await CliRun.Of("config", "show", "--config", config, "--optimizer.lr", "0.001");

        Assert.Equal(0, run.ExitCode);
        string Line(string key) => run.Output.Split('\n').Single(l => l.StartsWith(key + " ", StringComparison.Ordinal));
        Assert.Matches($@"^dpo\.beta +0\.2 +{System.Text.RegularExpressions.Regex.Escape(config)} line 2", Line("dpo.beta"));
        Assert.Matches(@"^optimizer\.lr +0\.001 +command line --optimizer\.lr", Line("optimizer.lr"));
        Assert.Matches(@"^masks\.sparsity +0\.9 +default", Line("masks.sparsity"));
    }

    [Fact]
    public async Task Given_help_When_asked_Then_the_usage_name_is_deltatui_and_train_explains_overrides_without_the_library_placeholder()
    {
        CliRun root = await CliRun.Of("--help");
        CliRun train = await CliRun.Of("train", "--help");

        Assert.Contains("  deltatui [command] [options]", root.Output);
        Assert.DoesNotContain("DeltaTui [command]", root.Output);
        Assert.Contains("  deltatui train [options] [--section.key value ...]", train.Output);
        Assert.Contains("Config overrides:", train.Output);
        Assert.DoesNotContain("Additional Arguments", train.Output);
        Assert.DoesNotContain("the application that is being run", train.Output);
    }

    [Fact]
    public async Task Given_gpu_once_json_When_printed_Then_it_has_only_the_documented_fields()
    {
        CliRun run = await CliRun.Of("gpu", "--once", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        Assert.Equal(["time", "gpu", "host"], document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["unavailable", "gpus"], document.RootElement.GetProperty("gpu").EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain("mustDeliver", run.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("lastGoodSample", run.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Given_a_mask_file_that_exists_When_building_again_Then_it_refuses_without_force_and_names_what_it_wrote_with_it()
    {
        var scores = Path.Combine(_folder, "scores-step3.safetensors");
        using (var weight = torch.arange(64, dtype: torch.float32).reshape(8, 8))
            SafeTensorsFile.Save(scores, [("model.layers.0.mlp.up_proj.weight", weight)], new Dictionary<string, string> { ["step"] = "3" });
        string[] build = ["masks", "build", "--scores", scores, "--method", "fisher", "--sparsity", "0.5"];
        var mask = Path.Combine(_folder, "fisher-step3.pt");

        CliRun first = await CliRun.Of(build);
        var written = File.GetLastWriteTimeUtc(mask);
        CliRun again = await CliRun.Of(build);
        var afterRefusal = File.GetLastWriteTimeUtc(mask);
        CliRun forced = await CliRun.Of([.. build, "--force"]);

        Assert.Equal(0, first.ExitCode);
        Assert.StartsWith($"wrote {mask}: fisher mask over 1 tensors, 32 of 64 kept", first.Output);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains($"{mask} exists; nothing was written. Pass --force", again.Error);
        Assert.Equal(written, afterRefusal);
        Assert.Equal(0, forced.ExitCode);
        Assert.StartsWith($"wrote {mask}", forced.Output);
    }

    [Fact]
    public async Task Given_sparsity_1_When_building_a_mask_Then_it_is_refused_with_the_allowed_range()
    {
        var scores = Path.Combine(_folder, "scores-step1.safetensors");
        using (var weight = torch.ones(4, 4))
            SafeTensorsFile.Save(scores, [("w", weight)]);

        CliRun run = await CliRun.Of("masks", "build", "--scores", scores, "--method", "magnitude", "--sparsity", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("masks build: --sparsity must be >= 0 and < 1 (the fraction of units dropped; 1 would keep nothing and write an empty mask), got 1", run.Error);
        Assert.False(File.Exists(Path.Combine(_folder, "magnitude-step1.pt")));
    }
}
