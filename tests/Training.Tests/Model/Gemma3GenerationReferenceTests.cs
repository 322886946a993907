using System.Text.Json;
using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

/// <summary>
/// Greedy generation token for token against transformers' <c>generate(do_sample=False)</c>, from references made by
/// bench/make_generation_refs.py (transformers 5.17). Without a reference the tests are skipped with the command that makes it.
/// </summary>
public sealed class Gemma3GenerationReferenceTests
{
    public const string ReferenceFileName = "generation-reference.json";

    /// <summary>Folder of the random-weight 270M snapshot made by <c>make_generation_refs.py random-270m OUT_DIR</c>.</summary>
    public const string Random270mVariable = "DELTATUI_GENERATION_270M";

    [Fact]
    public void Given_transformers_references_for_the_tiny_fixture_When_generating_greedily_Then_every_case_matches_token_for_token()
    {
        var reference = Path.Combine(TinyGemmaFixture.Folder, ReferenceFileName);
        if (!File.Exists(reference))
        {
            Assert.Skip($"no {ReferenceFileName} in tests/fixtures/gemma3-tiny: run `python3 bench/make_generation_refs.py tiny` (transformers 5.17, torch) and commit the file");
        }
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder);
        model.AttentionImplementation = AttentionImplementation.Eager;
        model.eval();
        CheckAgainst(model, reference);
    }

    [Fact]
    [Trait("gpu", "true")]
    public void Given_transformers_references_for_a_random_270m_snapshot_When_generating_greedily_Then_every_case_matches_token_for_token()
    {
        var folder = Environment.GetEnvironmentVariable(Random270mVariable);
        if (string.IsNullOrEmpty(folder) || !File.Exists(Path.Combine(folder, ReferenceFileName)))
        {
            Assert.Skip($"{Random270mVariable} does not name a folder with {ReferenceFileName}: run `python3 bench/make_generation_refs.py random-270m OUT_DIR` and set {Random270mVariable}=OUT_DIR");
        }
        using var model = Gemma3ForCausalLM.FromPretrained(folder, ScalarType.Float32, cuda.is_available() ? CUDA : CPU);
        model.AttentionImplementation = AttentionImplementation.Eager;
        model.eval();
        CheckAgainst(model, Path.Combine(folder, ReferenceFileName));
    }

    private static void CheckAgainst(Gemma3ForCausalLM model, string referencePath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(referencePath));
        var root = document.RootElement;
        var stops = root.GetProperty("eos_token_id").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var maxNew = root.GetProperty("max_new_tokens").GetInt32();
        var generator = new Gemma3Generator(model, stops);
        var mismatches = new List<string>();
        foreach (var @case in root.GetProperty("cases").EnumerateArray())
        {
            var name = @case.GetProperty("name").GetString();
            var prompts = @case.GetProperty("prompts").EnumerateArray().Select(r => (IReadOnlyList<int>)r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
            var expected = @case.GetProperty("new_tokens").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
            var actual = generator.Generate(prompts, new SamplingOptions { MaxNewTokens = maxNew });
            for (var row = 0; row < prompts.Length; row++)
            {
                if (!expected[row].SequenceEqual(actual[row].Tokens))
                {
                    var firstDifference = expected[row].Zip(actual[row].Tokens).TakeWhile(p => p.First == p.Second).Count();
                    mismatches.Add($"{name}, row {row}: first difference at new token {firstDifference} (transformers [{string.Join(", ", expected[row])}], ours [{string.Join(", ", actual[row].Tokens)}])");
                }
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
