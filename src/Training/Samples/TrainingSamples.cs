using System.Diagnostics;
using DeltaTui.Core.Events;
using DeltaTui.Formats.Tokenization;
using DeltaTui.Gemma;
using DeltaTui.Training.Dpo;

namespace DeltaTui.Training.Samples;

/// <summary>
/// The fixed held-out prompts of training.eval_samples and their greedy completions: the first <c>count</c> eval pairs'
/// prompts, completed in one batch (left-padded) by <see cref="Gemma3Generator"/> with at most <c>maxNewTokens</c> new
/// tokens each, decoded to text with the run's tokenizer. It only generates; the trainer decides when and publishes.
/// </summary>
public sealed class TrainingSamples
{
    private readonly IReadOnlyList<TokenizedPair> _pairs;
    private readonly ITokenizer _tokenizer;
    private readonly Gemma3Generator _generator;
    private readonly SamplingOptions _sampling;
    private readonly string[] _prompts;
    private readonly string[] _chosen;
    private readonly string[] _rejected;

    /// <param name="model">The policy being trained: completions show its current weights.</param>
    /// <param name="eosTokenIds">The model's stop ids (Gemma-3: &lt;eos&gt; and &lt;end_of_turn&gt;).</param>
    public TrainingSamples(IReadOnlyList<TokenizedPair> evalPairs, int count, int maxNewTokens, ITokenizer tokenizer,
        Gemma3ForCausalLM model, IReadOnlyList<int> eosTokenIds)
    {
        ArgumentNullException.ThrowIfNull(evalPairs);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _pairs = evalPairs.Take(count).Where(p => p.Prompt.Length > 0).ToArray();
        _tokenizer = tokenizer;
        _generator = new Gemma3Generator(model, eosTokenIds);
        _sampling = new SamplingOptions { MaxNewTokens = maxNewTokens };
        _sampling.Validate();
        _prompts = _pairs.Select(p => Decode(p.Prompt)).ToArray();
        _chosen = _pairs.Select(p => Decode(p.Chosen)).ToArray();
        _rejected = _pairs.Select(p => Decode(p.Rejected)).ToArray();
    }

    /// <summary>How many prompts are completed each time (fewer than asked when the eval split is smaller).</summary>
    public int Count => _pairs.Count;

    /// <summary>
    /// The policy's greedy completions at <paramref name="step"/>; with <paramref name="alsoAsReference"/> (step 0 of a fresh run, where the
    /// policy still holds the reference's weights) the same completions are also given as the reference's, at no extra cost.
    /// </summary>
    /// <exception cref="GenerationException">A prompt the model cannot complete (longer than its context).</exception>
    public SamplesGenerated Generate(int step, bool alsoAsReference)
    {
        var watch = Stopwatch.StartNew();
        var results = _generator.Generate(_pairs.Select(p => (IReadOnlyList<int>)p.Prompt).ToArray(), _sampling);
        var samples = new List<SampleCompletion>(results.Count * 2);
        var who = alsoAsReference ? new[] { SampleSource.Reference, SampleSource.Policy } : [SampleSource.Policy];
        foreach (var source in who)
        {
            for (var i = 0; i < results.Count; i++)
            {
                samples.Add(new SampleCompletion(i, source, _prompts[i], _chosen[i], _rejected[i], Decode(results[i].Completion),
                    results[i].Tokens.Count, results[i].Reason == FinishReason.Eos));
            }
        }
        return new SamplesGenerated(step, samples, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>Text of ids; an id the tokenizer lacks (a model vocabulary larger than the tokenizer's) shows as &lt;id:N&gt;.</summary>
    private string Decode(IReadOnlyList<int> ids)
    {
        var text = new System.Text.StringBuilder();
        var run = new List<int>();
        foreach (var id in ids)
        {
            if (id >= 0 && id < _tokenizer.VocabSize) { run.Add(id); continue; }
            text.Append(_tokenizer.Decode(run.ToArray())).Append($"<id:{id}>");
            run.Clear();
        }
        return text.Append(_tokenizer.Decode(run.ToArray())).ToString();
    }
}
