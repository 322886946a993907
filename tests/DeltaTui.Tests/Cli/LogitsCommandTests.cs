using DeltaTui.Torch.SafeTensors;
using DeltaTui.Cli;
using DeltaTui.Gemma;
using DeltaTui.Formats.SafeTensors;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Tests.Cli;

public sealed class LogitsCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("deltatui-logits-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>A one-layer random snapshot with a 31-token vocabulary, for the tests of bad input.</summary>
    private string SaveSmallSnapshot()
    {
        using var model = Gemma3ForCausalLM.CreateRandom(Gemma3Config.Tiny(vocabSize: 31, numHiddenLayers: 1), seed: 1);
        string snapshot = Path.Combine(folder, "snapshot");
        model.SavePretrained(snapshot);
        return snapshot;
    }

    [Fact]
    public async Task Given_a_saved_model_and_token_ids_When_running_logits_Then_the_file_holds_the_models_own_fp32_logits()
    {
        manual_seed(7);
        using var model = Gemma3ForCausalLM.CreateRandom(Gemma3Config.Tiny(vocabSize: 97, numHiddenLayers: 2), seed: 7);
        string snapshot = Path.Combine(folder, "snapshot");
        model.SavePretrained(snapshot);
        using Tensor ids = randint(0, 97, [2, 9], dtype: ScalarType.Int64);
        string input = Path.Combine(folder, "ids.safetensors");
        SafeTensorsFile.Save(input, [(LogitsCommand.InputIdsName, ids)]);
        string output = Path.Combine(folder, "logits.safetensors");

        CliRun run = await CliRun.Of("logits", "--model", snapshot, "--input", input, "--output", output, "--dtype", "float32", "--device", "cpu");

        Assert.True(run.ExitCode == 0, run.Error);
        Dictionary<string, Tensor> written = SafeTensorsFile.Load(output);
        Tensor logits = written[LogitsCommand.LogitsName];
        Assert.Equal([2L, 9L, 97L], logits.shape);
        model.eval();
        using (no_grad())
        {
            using Tensor expected = model.Logits(model.forward(ids, ones_like(ids)));
            Assert.True(logits.allclose(expected, rtol: 1e-5, atol: 1e-5));
        }
        foreach (Tensor t in written.Values) t.Dispose();
    }

    [Theory]
    [InlineData(new string[0], "false")]
    [InlineData(new[] { "--native-rmsnorm", "true" }, "true")]
    public async Task Given_the_norm_choice_When_running_logits_Then_the_file_says_which_norms_made_it(string[] choice, string recorded)
    {
        string snapshot = SaveSmallSnapshot();
        string input = Path.Combine(folder, "ids.safetensors");
        using Tensor ids = zeros([1, 4], dtype: ScalarType.Int64);
        SafeTensorsFile.Save(input, [(LogitsCommand.InputIdsName, ids)]);
        string output = Path.Combine(folder, "logits.safetensors");

        CliRun run = await CliRun.Of(["logits", "--model", snapshot, "--input", input, "--output", output, "--device", "cpu", .. choice]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(recorded, SafeTensorsFile.ReadHeader(output).Metadata["native_rmsnorm"]);
    }

    [Fact]
    public async Task Given_an_input_file_without_input_ids_When_running_logits_Then_it_exits_2_naming_the_file_and_writes_nothing()
    {
        string snapshot = SaveSmallSnapshot();
        string input = Path.Combine(folder, "wrong.safetensors");
        using Tensor tokens = zeros([1, 4], dtype: ScalarType.Int64);
        SafeTensorsFile.Save(input, [("tokens", tokens)]);
        string output = Path.Combine(folder, "logits.safetensors");

        CliRun run = await CliRun.Of("logits", "--model", snapshot, "--input", input, "--output", output, "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(input, run.Error);
        Assert.Contains("input_ids", run.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Given_ids_outside_the_vocabulary_When_running_logits_Then_it_exits_2_and_says_so()
    {
        string snapshot = SaveSmallSnapshot();
        string input = Path.Combine(folder, "ids.safetensors");
        using Tensor ids = full([1, 4], 31L, dtype: ScalarType.Int64);
        SafeTensorsFile.Save(input, [(LogitsCommand.InputIdsName, ids)]);

        CliRun run = await CliRun.Of("logits", "--model", snapshot, "--input", input, "--output", Path.Combine(folder, "out.safetensors"), "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("outside [0, 31)", run.Error);
    }
}
