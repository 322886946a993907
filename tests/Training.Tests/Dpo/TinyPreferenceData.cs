using DeltaTui.Training.Dpo;

namespace DeltaTui.Training.Tests.Dpo;

/// <summary>Pairs whose chosen answer ends in token 1 and rejected in token 2: a property the tiny model can learn.</summary>
internal static class TinyPreferenceData
{
    public static List<TokenizedPair> Pairs(int count, int seed)
    {
        var random = new Random(seed);
        var pairs = new List<TokenizedPair>(count);
        for (var i = 0; i < count; i++)
        {
            var prompt = Enumerable.Range(0, 2 + random.Next(3)).Select(_ => 3 + random.Next(9)).ToArray();
            var body = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => 3 + random.Next(9)).ToArray();
            pairs.Add(new TokenizedPair(prompt, [.. body, 1], [.. body, 2]));
        }
        return pairs;
    }

    public static PositionalBatchSource Source(int batchSize = 4, int gradAccumulation = 1) => new(
        Pairs(48, seed: 7), Pairs(16, seed: 8), batchSize, gradAccumulation, seed: 99, padId: 0, TorchSharp.torch.CPU, "tiny-data");
}
