using System.Collections.Immutable;
using DeltaTui.Training.Data;

namespace DeltaTui.Training.Tests.Data;

internal static class PairFactory
{
    public static PreferencePair Pair(int index, int[] prompt, int[] chosen, int[] rejected) =>
        new(index, index + 1, [.. prompt], [.. chosen], [.. rejected], Truncated: false);

    /// <summary>Pairs whose prompt is the single token 100 + i, so a batch's rows tell which pairs it holds.</summary>
    public static IReadOnlyList<PreferencePair> Numbered(int count) =>
        Enumerable.Range(0, count).Select(i => Pair(i, [100 + i], [7], [8])).ToArray();

    public static ImmutableArray<int> Ids(params int[] ids) => [.. ids];
}
