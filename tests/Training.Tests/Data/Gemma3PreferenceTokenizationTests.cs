using System.Text.Json;
using DeltaTui.Training.Data;
using DeltaTui.Training.Tests.Tokenization;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

/// <summary>
/// With the real Gemma-3 tokenizer: a conversational pair tokenised as prompt and completion separately
/// must give, end to end, the ids Hugging Face gives for the whole rendered conversation
/// (fixtures/gemma3-tokenizer-cases.json, made with the tokenizers library).
/// </summary>
public sealed class Gemma3PreferenceTokenizationTests(RealGemma3Tokenizer gemma) : IClassFixture<RealGemma3Tokenizer>, IDisposable
{
    private const string Conversation = "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n";

    private readonly DataFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Given_the_reference_conversation_as_a_pair_When_loaded_with_gemma3_Then_bos_prompt_and_completion_ids_equal_hugging_face_ids()
    {
        var tokenizer = gemma.Tokenizer;
        var path = files.WriteLines("pair.jsonl",
            """{"prompt": [{"role": "user", "content": "What is 2+2?"}], "chosen": [{"role": "assistant", "content": "4"}], "rejected": [{"role": "assistant", "content": "5"}]}""");

        var pair = Assert.Single(PreferenceDataset.Load(path, tokenizer).Pairs);

        int[] expected = [tokenizer.BosId, .. ReferenceIds(Conversation)];
        Assert.Equal(expected, pair.PromptIds.Concat(pair.ChosenIds));
        // The split falls right after "<start_of_turn>model\n": the completion is "4<end_of_turn>\n".
        Assert.Equal(expected[^3..], pair.ChosenIds);
    }

    private static int[] ReferenceIds(string text)
    {
        using var cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "gemma3-tokenizer-cases.json")));
        var match = cases.RootElement.EnumerateArray().Single(c => c.GetProperty("text").GetString() == text);
        return match.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
    }
}
