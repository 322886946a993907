using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Model;

/// <summary>
/// KV-cache generation against recomputing the whole sequence with the plain forward (itself checked against
/// transformers' logits in <see cref="Gemma3ParityTests"/>). The tiny fixture's sliding window is 8 tokens.
/// </summary>
public sealed class Gemma3GenerationTests
{
    private static readonly int[] ShortPrompt = [2, 17, 301, 45, 9];
    private static readonly int[] MediumPrompt = [2, 88, 5, 412, 77, 130, 6];
    // 21 tokens: longer than the sliding window, so the sliding layers' ring wraps during the prefill already.
    private static readonly int[] LongPrompt = [2, 40, 41, 42, 200, 201, 202, 333, 12, 13, 14, 15, 400, 401, 90, 91, 92, 93, 250, 251, 252];

    private static readonly SamplingOptions Greedy64 = new() { MaxNewTokens = 64, EosTokenIds = [] };

    [Fact]
    public void Given_the_tiny_fixture_When_checking_its_config_Then_the_window_is_shorter_than_the_long_prompt_and_both_layer_kinds_exist()
    {
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder);
        Assert.Equal(8, model.Config.SlidingWindow);
        Assert.True(LongPrompt.Length > model.Config.SlidingWindow);
        Assert.Contains(AttentionKind.Sliding, model.Config.LayerTypes);
        Assert.Contains(AttentionKind.Full, model.Config.LayerTypes);
    }

    [Theory]
    [InlineData(AttentionImplementation.Sdpa, false)]
    [InlineData(AttentionImplementation.Eager, false)]
    [InlineData(AttentionImplementation.Sdpa, true)]
    public void Given_a_prompt_When_generating_64_greedy_tokens_with_the_cache_Then_they_equal_greedy_by_full_recomputation(AttentionImplementation implementation, bool longPrompt)
    {
        using var model = LoadTiny(implementation);
        var prompt = longPrompt ? LongPrompt : ShortPrompt;

        var cached = new Gemma3Generator(model, model.Config.EosTokenIds).Generate([prompt], Greedy64)[0];

        Assert.Equal(64, cached.Tokens.Count);
        Assert.Equal(FinishReason.Length, cached.Reason);
        Assert.Equal(GreedyByRecomputation(model, prompt, 64), cached.Tokens);
    }

    [Fact]
    public void Given_prompts_of_different_lengths_When_generating_as_one_left_padded_batch_Then_each_row_equals_that_prompt_alone()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var generator = new Gemma3Generator(model, model.Config.EosTokenIds);

        var batch = generator.Generate([ShortPrompt, LongPrompt, MediumPrompt], Greedy64);

        Assert.Equal(GreedyByRecomputation(model, ShortPrompt, 64), batch[0].Tokens);
        Assert.Equal(GreedyByRecomputation(model, LongPrompt, 64), batch[1].Tokens);
        Assert.Equal(GreedyByRecomputation(model, MediumPrompt, 64), batch[2].Tokens);
        Assert.Equal(ShortPrompt, batch[0].PromptIds);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-4)]
    [InlineData(ScalarType.BFloat16, 6e-2)]
    public void Given_a_left_padded_batch_When_decoding_step_by_step_Then_each_steps_logits_equal_the_full_forwards_last_position(ScalarType dtype, double tolerance)
    {
        using var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder, dtype);
        model.eval();
        using var noGrad = no_grad();
        // Row 0: the short prompt left-padded to the long one; row 1: the long prompt. 20 decode steps pass the window many times.
        int[][] rows = [ShortPrompt, LongPrompt];
        var sequences = rows.Select(r => r.ToList()).ToArray();
        var width = LongPrompt.Length;
        using var cache = model.NewCache(2, width + 20);
        var ids = new long[2 * width];
        var positions = new long[2 * width];
        var mask = new long[2 * width];
        for (var row = 0; row < 2; row++)
        {
            var offset = width - rows[row].Length;
            for (var column = 0; column < width; column++)
            {
                var real = column >= offset;
                ids[row * width + column] = real ? rows[row][column - offset] : 0;
                positions[row * width + column] = real ? column - offset : 1;
                mask[row * width + column] = real ? 1 : 0;
            }
        }
        cache.SetPadding(tensor(mask, [2, width]));
        var hidden = model.ForwardCached(tensor(ids, [2, width]), tensor(positions, [2, width]), cache);
        var next = new long[] { 7, 300 };
        for (var step = 0; step <= 20; step++)
        {
            var stepLogits = model.Logits(hidden.narrow(1, hidden.shape[1] - 1, 1)).squeeze(1).to_type(ScalarType.Float32);
            for (var row = 0; row < 2; row++)
            {
                var full = model.Logits(model.forward(tensor(sequences[row].Select(i => (long)i).ToArray(), [1, sequences[row].Count]), null));
                var expected = full[0, -1].to_type(ScalarType.Float32);
                var error = (stepLogits[row] - expected).abs().max().item<float>();
                Assert.True(error <= tolerance, $"{dtype} step {step} row {row}: max abs logit error {error}");
            }
            if (step == 20) break;
            for (var row = 0; row < 2; row++) sequences[row].Add((int)next[row]);
            hidden = model.ForwardCached(tensor(next, [2, 1]), tensor(sequences.Select(s => (long)s.Count - 1).ToArray(), [2, 1]), cache);
            next = [(next[0] * 31 + 5) % 512, (next[1] * 17 + 3) % 512];
        }
    }

    [Fact]
    public void Given_a_seed_When_sampling_twice_Then_the_tokens_are_the_same_and_another_seed_gives_others()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var generator = new Gemma3Generator(model, model.Config.EosTokenIds);
        var options = new SamplingOptions { MaxNewTokens = 32, Temperature = 1.5, TopK = 100, TopP = 0.98, RepetitionPenalty = 1.1, Seed = 7, EosTokenIds = [] };

        var first = generator.Generate([ShortPrompt, LongPrompt], options);
        var again = generator.Generate([ShortPrompt, LongPrompt], options);
        var other = generator.Generate([ShortPrompt, LongPrompt], options with { Seed = 8 });

        Assert.Equal(first[0].Tokens, again[0].Tokens);
        Assert.Equal(first[1].Tokens, again[1].Tokens);
        Assert.NotEqual(first[0].Tokens, other[0].Tokens);
    }

    [Fact]
    public void Given_top_k_1_or_a_tiny_top_p_When_sampling_Then_the_tokens_are_the_greedy_ones()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var generator = new Gemma3Generator(model, model.Config.EosTokenIds);
        var greedy = generator.Generate([LongPrompt], Greedy64 with { MaxNewTokens = 24 })[0].Tokens;

        var topK = generator.Generate([LongPrompt], Greedy64 with { MaxNewTokens = 24, Temperature = 2, TopK = 1, Seed = 3 })[0].Tokens;
        var topP = generator.Generate([LongPrompt], Greedy64 with { MaxNewTokens = 24, Temperature = 2, TopP = 1e-6, Seed = 3 })[0].Tokens;

        Assert.Equal(greedy, topK);
        Assert.Equal(greedy, topP);
    }

    [Fact]
    public void Given_a_repetition_penalty_When_generating_greedily_Then_tokens_already_seen_are_repeated_less()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var generator = new Gemma3Generator(model, model.Config.EosTokenIds);

        var plain = generator.Generate([ShortPrompt], Greedy64)[0].Tokens;
        var penalised = generator.Generate([ShortPrompt], Greedy64 with { RepetitionPenalty = 100 })[0].Tokens;

        Assert.True(plain.Count - plain.Distinct().Count() > 0, "the fixture's greedy output repeats itself, so the penalty has something to change");
        Assert.Equal(penalised.Count, penalised.Distinct().Count());
        Assert.DoesNotContain(penalised, ShortPrompt.Contains);
    }

    [Fact]
    public void Given_a_stop_id_the_greedy_output_reaches_When_generating_Then_the_row_stops_there_and_the_others_go_on()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var generator = new Gemma3Generator(model, model.Config.EosTokenIds);
        var free = generator.Generate([ShortPrompt, LongPrompt], Greedy64 with { MaxNewTokens = 16 });
        var stop = free[0].Tokens[5];
        var expectedLength = free[0].Tokens.ToList().IndexOf(stop) + 1;
        Assert.DoesNotContain(stop, free[1].Tokens.Take(expectedLength)); // the other row must not stop before it

        var stopped = generator.Generate([ShortPrompt, LongPrompt], Greedy64 with { MaxNewTokens = 16, EosTokenIds = [stop, 99999] });

        Assert.Equal(FinishReason.Eos, stopped[0].Reason);
        Assert.Equal(free[0].Tokens.Take(expectedLength), stopped[0].Tokens);
        Assert.Equal(stop, stopped[0].Tokens[^1]);
        Assert.Equal(expectedLength - 1, stopped[0].Completion.Count);
        var otherLength = free[1].Tokens.ToList().IndexOf(stop) is var at && at >= 0 ? at + 1 : 16;
        Assert.Equal(free[1].Tokens.Take(otherLength), stopped[1].Tokens);
    }

    [Fact]
    public void Given_the_model_default_stop_ids_When_the_model_emits_one_Then_generation_ends_early()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var free = new Gemma3Generator(model, [511]).Generate([LongPrompt], Greedy64)[0].Tokens;
        var generator = new Gemma3Generator(model, [free[3]]);

        var result = generator.Generate([LongPrompt], new SamplingOptions { MaxNewTokens = 64 })[0];

        Assert.Equal(FinishReason.Eos, result.Reason);
        Assert.True(result.Tokens.Count <= 4);
    }

    [Fact]
    public void Given_a_prompt_as_long_as_the_context_or_an_empty_one_When_generating_Then_a_clear_error_says_so()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var generator = new Gemma3Generator(model, model.Config.EosTokenIds);

        var tooLong = Assert.Throws<GenerationException>(() => generator.Generate([Enumerable.Repeat(5, 128).ToArray()], Greedy64));
        var empty = Assert.Throws<GenerationException>(() => generator.Generate([ShortPrompt, Array.Empty<int>()], Greedy64));

        Assert.Contains("max_position_embeddings) is 128", tooLong.Message);
        Assert.Contains("prompt 2 is empty", empty.Message);
    }

    [Fact]
    public void Given_a_prompt_near_the_context_When_asking_for_more_tokens_than_fit_Then_generation_stops_at_the_context()
    {
        using var model = LoadTiny(AttentionImplementation.Sdpa);
        var prompt = Enumerable.Range(0, 120).Select(i => 3 + i).ToArray();

        var result = new Gemma3Generator(model, model.Config.EosTokenIds).Generate([prompt], Greedy64)[0];

        Assert.Equal(8, result.Tokens.Count);
        Assert.Equal(FinishReason.Length, result.Reason);
    }

    internal static Gemma3ForCausalLM LoadTiny(AttentionImplementation implementation)
    {
        var model = Gemma3ForCausalLM.FromPretrained(TinyGemmaFixture.Folder);
        model.AttentionImplementation = implementation;
        model.eval();
        return model;
    }

    /// <summary>Greedy decoding without a cache: the whole sequence through the plain forward for every new token.</summary>
    internal static List<int> GreedyByRecomputation(Gemma3ForCausalLM model, IReadOnlyList<int> prompt, int newTokens)
    {
        using var noGrad = no_grad();
        var sequence = prompt.Select(i => (long)i).ToList();
        var produced = new List<int>();
        for (var step = 0; step < newTokens; step++)
        {
            using var scope = NewDisposeScope();
            var hidden = model.forward(tensor(sequence.ToArray(), [1, sequence.Count]), null);
            var next = model.Logits(hidden[0, -1]).to_type(ScalarType.Float32).argmax().item<long>();
            sequence.Add(next);
            produced.Add((int)next);
        }
        return produced;
    }
}
