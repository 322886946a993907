using DeltaTui.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Text generation with a <see cref="KvCache"/>, as transformers' <c>generate</c> does it: prompts left-padded to one
/// length (each row's positions counting only its own tokens), one prefill over the prompts, then one decode step per
/// new token; greedy or seeded sampling (<see cref="SamplingOptions"/>); a row stops at one of the stop ids, and all
/// stop at the maximum length. The chosen tokens are read back once per step (what stopping and streaming need);
/// nothing else waits for the device. Runs in the model's dtype (fp32 or bf16) on its device; logits are processed in fp32.
/// </summary>
public sealed class Gemma3Generator(Gemma3ForCausalLM model, IReadOnlyList<int> eosTokenIds)
{
    public Gemma3ForCausalLM Model { get; } = model;

    /// <summary>The stop ids used when <see cref="SamplingOptions.EosTokenIds"/> is null.</summary>
    public IReadOnlyList<int> EosTokenIds { get; } = eosTokenIds.Count > 0 ? eosTokenIds : throw new ArgumentException("at least one stop id is needed", nameof(eosTokenIds));

    /// <summary>
    /// Completes every prompt (token ids, the BOS included if the model wants one). <paramref name="onStep"/> sees each
    /// step's tokens as they are chosen. Throws <see cref="GenerationException"/> for an empty prompt or one that leaves the
    /// model's context (max_position_embeddings) no room; the number of new tokens is capped so positions stay inside it.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options, Action<GenerationStep>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Count == 0) throw new GenerationException("there is no prompt to complete");
        var config = Model.Config;
        var context = config.MaxPositionEmbeddings;
        for (var i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Count == 0) throw new GenerationException($"prompt {i + 1} is empty: give it at least one token");
            if (prompts[i].Count >= context)
            {
                throw new GenerationException($"prompt {i + 1} has {prompts[i].Count} tokens, but the model's context (max_position_embeddings) is {context}: shorten it to at most {context - 1} tokens");
            }
            var outside = prompts[i].FirstOrDefault(id => id < 0 || id >= config.VocabSize, -1);
            if (prompts[i].Any(id => id < 0 || id >= config.VocabSize))
            {
                throw new GenerationException($"prompt {i + 1} holds token id {outside}, outside the model's vocabulary [0, {config.VocabSize})");
            }
        }
        var stops = (options.EosTokenIds ?? EosTokenIds).ToArray();
        var batch = prompts.Count;
        var longest = prompts.Max(p => p.Count);
        var maxNew = Math.Min(options.MaxNewTokens, context - longest);
        var pad = config.PadTokenId;
        var device = Model.Device;

        // Left padding; positions as transformers makes them from the attention mask (cumsum − 1, padding at 1).
        var ids = new long[batch * longest];
        var mask = new long[batch * longest];
        var positions = new long[batch * longest];
        for (var row = 0; row < batch; row++)
        {
            var offset = longest - prompts[row].Count;
            for (var column = 0; column < longest; column++)
            {
                var at = row * longest + column;
                var real = column >= offset;
                ids[at] = real ? prompts[row][column - offset] : pad;
                mask[at] = real ? 1 : 0;
                positions[at] = real ? column - offset : 1;
            }
        }

        var tokens = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var inputIds = tensor(ids, [batch, longest], ScalarType.Int64).to(device);
        var inputPositions = tensor(positions, [batch, longest], ScalarType.Int64).to(device);
        using var cache = Model.NewCache(batch, longest + maxNew);
        cache.SetPadding(tensor(mask, [batch, longest], ScalarType.Int64));
        var history = full(batch, longest + maxNew, pad, dtype: ScalarType.Int64, device: device);
        history.narrow(1, 0, longest).copy_(inputIds);
        using var sampler = options.Greedy ? null : new Generator((ulong)options.Seed, device);

        var hidden = Model.ForwardCached(inputIds, inputPositions, cache);
        var lastPositions = inputPositions.select(1, longest - 1).clone();
        var finishedOnDevice = zeros(batch, dtype: ScalarType.Bool, device: device);
        for (var step = 0; step < maxNew; step++)
        {
            using var stepScope = NewDisposeScope();
            var logits = Model.Logits(hidden.narrow(1, hidden.shape[1] - 1, 1)).squeeze(1).to_type(ScalarType.Float32);
            var next = Choose(logits, history.narrow(1, 0, cache.Length), options, sampler);
            next = where(finishedOnDevice, full_like(next, pad), next);
            var chosen = next.cpu().data<long>().ToArray(); // the one read per step: stopping and streaming need it

            var stepTokens = new int?[batch];
            for (var row = 0; row < batch; row++)
            {
                if (finished[row]) continue;
                var token = (int)chosen[row];
                tokens[row].Add(token);
                stepTokens[row] = token;
                if (Array.IndexOf(stops, token) >= 0) finished[row] = true;
            }
            onStep?.Invoke(new GenerationStep(step, stepTokens));
            if (finished.All(f => f) || step == maxNew - 1) break;

            var isStop = zeros_like(finishedOnDevice);
            foreach (var stop in stops) isStop = isStop | next.eq(Scalars.OfInteger(stop));
            Replace(ref finishedOnDevice, finishedOnDevice | isStop);
            history.narrow(1, cache.Length, 1).copy_(next.view(batch, 1));
            Replace(ref lastPositions, lastPositions + Scalars.OfInteger(1));
            Replace(ref hidden, Model.ForwardCached(next.view(batch, 1), lastPositions.view(batch, 1), cache));
        }
        return Enumerable.Range(0, batch)
            .Select(row => new GeneratedSequence(prompts[row].ToArray(), tokens[row], finished[row] ? FinishReason.Eos : FinishReason.Length))
            .ToArray();
    }

    /// <summary>Keeps a tensor made inside a step's scope alive past it, disposing the one it replaces.</summary>
    private static void Replace(ref Tensor carried, Tensor replacement)
    {
        replacement.MoveToOuterDisposeScope();
        carried.Dispose();
        carried = replacement;
    }

    /// <summary>The next token of every row from fp32 logits [B,V], transformers' logits processors in their order.</summary>
    internal static Tensor Choose(Tensor logits, Tensor history, SamplingOptions options, Generator? sampler)
    {
        using var scope = NewDisposeScope();
        if (options.RepetitionPenalty != 1.0)
        {
            var seen = logits.gather(1, history);
            var penalised = where(seen < Scalars.Of(0), seen * Scalars.Of(options.RepetitionPenalty), seen / Scalars.Of(options.RepetitionPenalty));
            logits = logits.scatter(1, history, penalised);
        }
        if (options.Greedy)
        {
            return logits.argmax(-1).MoveToOuterDisposeScope();
        }
        logits = logits / Scalars.Of(options.Temperature);
        var negativeInfinity = Scalars.Of(double.NegativeInfinity);
        if (options.TopK > 0)
        {
            var k = Math.Min(options.TopK, logits.shape[^1]);
            var kth = logits.topk((int)k, dim: -1).values.narrow(-1, k - 1, 1);
            logits = logits.masked_fill(logits < kth, negativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = logits.sort(-1, descending: false);
            var cumulative = sorted.softmax(-1).cumsum(-1);
            var drop = cumulative <= Scalars.Of(1 - options.TopP);
            drop.narrow(-1, drop.shape[^1] - 1, 1).fill_(false); // the most likely token always stays
            logits = logits.masked_fill(drop.scatter(-1, order, drop), negativeInfinity);
        }
        var probabilities = logits.softmax(-1);
        return multinomial(probabilities, 1, generator: sampler).squeeze(1).MoveToOuterDisposeScope();
    }
}
