using DeltaTui.Training.Tests.Dpo;
using DeltaTui.Training.Models;
using DeltaTui.Training.Dpo;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Models;

public class PrecomputedReferenceTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("ref-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public void Given_a_model_When_log_probs_are_precomputed_Then_they_equal_the_frozen_copy_and_the_second_load_reads_the_cache()
    {
        var source = TinyPreferenceData.Source();
        using var model = new TinyCausalLm(seed: 5);
        using var frozen = new FrozenCopyReference(new TinyCausalLm(seed: 5));
        var first = PrecomputedReference.LoadOrCompute(_cache, "model-a", source.Fingerprint, "train", source.TrainPairCount, model, source.AllTrainBatches, CPU);
        Assert.False(first.LoadedFromCache);

        var second = PrecomputedReference.LoadOrCompute(_cache, "model-a", source.Fingerprint, "train", source.TrainPairCount, model,
            () => throw new InvalidOperationException("the cache should have answered"), CPU);
        Assert.True(second.LoadedFromCache);

        using var batch = source.TrainBatch(3, 0);
        using var expected = frozen.LogProbs(batch);
        using var cached = second.LogProbs(batch);
        Assert.True(cached.allclose(expected, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Given_a_truncated_cache_or_another_model_When_loading_Then_the_log_probs_are_recomputed()
    {
        var source = TinyPreferenceData.Source();
        using var model = new TinyCausalLm(seed: 5);
        var first = PrecomputedReference.LoadOrCompute(_cache, "model-a", source.Fingerprint, "train", source.TrainPairCount, model, source.AllTrainBatches, CPU);
        using (var stream = new FileStream(first.CachePath, FileMode.Open)) stream.SetLength(stream.Length - 4);

        var again = PrecomputedReference.LoadOrCompute(_cache, "model-a", source.Fingerprint, "train", source.TrainPairCount, model, source.AllTrainBatches, CPU);
        Assert.False(again.LoadedFromCache);
        var other = PrecomputedReference.LoadOrCompute(_cache, "model-b", source.Fingerprint, "train", source.TrainPairCount, model, source.AllTrainBatches, CPU);
        Assert.False(other.LoadedFromCache);
        Assert.NotEqual(first.CachePath, other.CachePath);
    }
}
