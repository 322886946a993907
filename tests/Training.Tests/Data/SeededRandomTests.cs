using DeltaTui.Training.Data;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

/// <summary>
/// Reference values from the authors' C code of splitmix64 and xoshiro256** (prng.di.unimi.it), with
/// Lemire's bounded integers and a downward Fisher–Yates written the same way in C and run once.
/// </summary>
public class SeededRandomTests
{
    [Fact]
    public void Given_seed_zero_When_drawing_from_splitmix64_Then_the_reference_sequence_comes_out()
    {
        ulong state = 0;

        ulong[] drawn = [SplitMix64.Next(ref state), SplitMix64.Next(ref state), SplitMix64.Next(ref state)];

        Assert.Equal([0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL], drawn);
    }

    [Fact]
    public void Given_seed_zero_When_drawing_from_xoshiro256starstar_Then_the_reference_sequence_comes_out()
    {
        var random = new SeededRandom(0);

        var drawn = Enumerable.Range(0, 4).Select(_ => random.NextUInt64()).ToArray();

        Assert.Equal([0x99EC5F36CB75F2B4UL, 0xBF6E1F784956452AUL, 0x1A5F849D4933E6E0UL, 0x6AA594F1262D2D2CUL], drawn);
    }

    [Fact]
    public void Given_seed_7_When_drawing_below_1000_Then_the_reference_values_come_out()
    {
        var random = new SeededRandom(7);

        var drawn = Enumerable.Range(0, 6).Select(_ => random.NextBelow(1000)).ToArray();

        Assert.Equal([700, 278, 839, 981, 990, 872], drawn);
    }

    [Fact]
    public void Given_seed_42_When_shuffling_ten_items_Then_the_reference_permutation_comes_out()
    {
        var items = Enumerable.Range(0, 10).ToArray();

        new SeededRandom(42).Shuffle(items.AsSpan());

        Assert.Equal([9, 1, 4, 2, 8, 7, 6, 5, 3, 0], items);
    }

    [Fact]
    public void Given_a_saved_state_When_restored_Then_the_sequence_continues_identically()
    {
        var random = new SeededRandom(123);
        random.NextUInt64();
        var restored = SeededRandom.FromState(random.GetState());

        Assert.Equal(
            Enumerable.Range(0, 5).Select(_ => random.NextUInt64()).ToArray(),
            Enumerable.Range(0, 5).Select(_ => restored.NextUInt64()).ToArray());
    }

    [Fact]
    public void Given_many_draws_below_six_When_counted_Then_each_value_is_near_one_sixth()
    {
        var random = new SeededRandom(5);
        var counts = new int[6];

        for (var i = 0; i < 60_000; i++) counts[random.NextBelow(6)]++;

        // 10,000 expected per face; a standard deviation is about 91, so ±500 fails only a broken generator.
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
    }
}
