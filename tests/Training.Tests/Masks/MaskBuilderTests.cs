using DeltaTui.Training.Config;
using DeltaTui.Training.Masks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public sealed class MaskBuilderTests
{
    // Scores rounded to a coarse grid so many ties fall at the threshold.
    private static List<NamedTensor> TiedScores(int seed)
    {
        var generator = new Generator((ulong)seed);
        return
        [
            new("a", randint(0, 20, [37, 53], generator: generator).to(ScalarType.Float32).div(4)),
            new("b", randint(0, 20, [64, 16], generator: generator).to(ScalarType.Float32).div(4)),
            new("c", randint(0, 20, [5, 300], generator: generator).to(ScalarType.Float32).div(4)),
        ];
    }

    // Reference: stable sort of (score desc, global index asc), first k kept.
    private static bool[] ReferenceTopK(IReadOnlyList<float[]> scores, long k)
    {
        var flat = scores.SelectMany(s => s).ToArray();
        var order = Enumerable.Range(0, flat.Length).OrderByDescending(i => flat[i]).ThenBy(i => i).Take((int)k);
        var keep = new bool[flat.Length];
        foreach (var i in order) keep[i] = true;
        return keep;
    }

    private static float[] Values(Tensor t) => t.contiguous().flatten().data<float>().ToArray();

    private static bool[] Flags(MaskSet set) => set.Names.SelectMany(n => set[n].flatten().data<bool>().ToArray()).ToArray();

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.5)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(0.999)]
    public void Given_tied_scores_When_building_a_global_element_mask_Then_it_equals_the_sorted_reference_exactly(double sparsity)
    {
        var scores = TiedScores(1);
        var total = scores.Sum(s => s.Tensor.numel());
        var k = MaskOptions.KeptCount(sparsity, total);

        using var masks = MaskBuilder.Build(scores, new MaskOptions { Sparsity = sparsity });

        Assert.Equal(ReferenceTopK(scores.Select(s => Values(s.Tensor)).ToList(), k), Flags(masks));
        Assert.Equal(k, masks.CountKept());
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.37)]
    public void Given_signed_tied_scores_When_selecting_with_the_CPU_radix_and_with_tensor_ops_Then_both_equal_the_reference(double sparsity)
    {
        var generator = new Generator(5);
        var scores = new[]
        {
            randint(-8, 8, [3000], generator: generator).to(ScalarType.Float32).div(4),
            tensor(new[] { -0f, 0f, 0f, -0f, 1e-40f, -1e-40f, float.PositiveInfinity, float.NegativeInfinity }),
            randn([999], generator: generator),
        };
        var k = MaskOptions.KeptCount(sparsity, scores.Sum(s => s.numel()));
        var reference = ReferenceTopK(scores.Select(Values).ToList(), k);

        foreach (var allowCpuRadix in new[] { true, false })
        {
            var selected = TopKSelector.Select(scores, k, allowCpuRadix);
            Assert.Equal(reference, selected.SelectMany(t => t.data<bool>().ToArray()).ToArray());
        }
    }

    [Fact]
    public void Given_tied_scores_When_building_per_tensor_masks_Then_each_tensor_keeps_its_exact_share_in_reference_order()
    {
        var scores = TiedScores(2);

        using var masks = MaskBuilder.Build(scores, new MaskOptions { Sparsity = 0.8, Scope = MaskScope.PerTensor });

        foreach (var (name, score) in scores)
        {
            var k = MaskOptions.KeptCount(0.8, score.numel());
            Assert.Equal(ReferenceTopK([Values(score)], k), masks[name].flatten().data<bool>().ToArray());
        }
    }

    [Fact]
    public void Given_one_tensor_with_tiny_scores_When_building_a_hybrid_mask_Then_it_keeps_its_floor_and_the_total_is_exact()
    {
        List<NamedTensor> scores =
        [
            new("loud", arange(1000, 2000, ScalarType.Float32).reshape(10, 100)),
            new("quiet", arange(0, 400, ScalarType.Float32).div(1000).reshape(20, 20)),
        ];
        var options = new MaskOptions { Sparsity = 0.9, Scope = MaskScope.Hybrid, HybridFloor = 0.05 };

        using var masks = MaskBuilder.Build(scores, options);

        // Budget round(0.1 × 1400) = 140; the quiet tensor's floor is ceil(0.05 × 400) = 20 (its top 20),
        // the remaining 120 go to the loud tensor's highest scores.
        Assert.Equal(140, masks.CountKept());
        var quiet = masks["quiet"].flatten().data<bool>().ToArray();
        Assert.Equal(Enumerable.Range(0, 400).Select(i => i >= 380), quiet);
        var loud = masks["loud"].flatten().data<bool>().ToArray();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i >= 880), loud);
    }

    [Fact]
    public void Given_a_global_mask_When_one_tensor_has_only_tiny_scores_Then_it_can_end_up_empty_unlike_hybrid()
    {
        List<NamedTensor> scores =
        [
            new("loud", arange(1000, 2000, ScalarType.Float32).reshape(10, 100)),
            new("quiet", arange(0, 400, ScalarType.Float32).div(1000).reshape(20, 20)),
        ];

        using var masks = MaskBuilder.Build(scores, new MaskOptions { Sparsity = 0.9 });

        Assert.Equal(0, masks["quiet"].count_nonzero().item<long>());
        Assert.Equal(140, masks["loud"].count_nonzero().item<long>());
    }

    [Fact]
    public void Given_a_3x5_score_When_pooling_2x2_blocks_Then_partial_edge_blocks_average_only_their_entries()
    {
        var score = arange(15, ScalarType.Float32).reshape(3, 5);

        using var pooled = BlockPooling.Pool(score, 2);

        // Rows {0,1},{2}; cols {0,1},{2,3},{4}.
        float[] expected =
        [
            (0 + 1 + 5 + 6) / 4f, (2 + 3 + 7 + 8) / 4f, (4 + 9) / 2f,
            (10 + 11) / 2f, (12 + 13) / 2f, 14f,
        ];
        Assert.Equal(new long[] { 2, 3 }, pooled.shape);
        Assert.Equal(expected, pooled.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Given_block_granularity_When_building_Then_whole_tiles_are_kept_and_the_tile_count_is_exact()
    {
        // 40×50 with 16×16 tiles: a 3×4 grid with partial edge tiles; tile means increase with the tile index.
        var rows = arange(40, ScalarType.Float32).div(16).floor().unsqueeze(1);
        var cols = arange(50, ScalarType.Float32).div(16).floor().unsqueeze(0);
        var score = rows.mul(4).add(cols);
        var options = new MaskOptions { Sparsity = 0.75, Granularity = MaskGranularity.Block, BlockSize = 16 };

        using var masks = MaskBuilder.Build([new("w", score)], options);

        // round(0.25 × 12) = 3 tiles: the three highest, (2,1), (2,2), (2,3) → rows 32..39, cols 16..49.
        var mask = masks["w"];
        Assert.Equal(new long[] { 40, 50 }, mask.shape);
        var expected = zeros(40, 50, ScalarType.Bool);
        expected[TensorIndex.Slice(32, 40), TensorIndex.Slice(16, 50)] = tensor(true);
        Assert.Equal(expected.flatten().data<bool>().ToArray(), mask.flatten().data<bool>().ToArray());
    }

    [Fact]
    public void Given_negative_and_positive_scores_When_building_Then_the_order_is_the_float_order()
    {
        var score = tensor(new[] { -3f, 2.5f, -0.5f, 0f, 1e-30f, -1e-30f, float.PositiveInfinity, 7f });

        using var masks = MaskBuilder.Build([new("v", score)], new MaskOptions { Sparsity = 0.5 });

        Assert.Equal(new[] { false, true, false, false, true, false, true, true }, masks["v"].data<bool>().ToArray());
    }

    [Fact]
    public void Given_a_score_with_NaN_When_building_Then_the_error_names_the_tensor()
    {
        var score = tensor(new[] { 1f, float.NaN });

        var error = Assert.Throws<ArgumentException>(() => MaskBuilder.Build([new("model.norm.weight", score)], new MaskOptions { Sparsity = 0.5 }));

        Assert.Contains("'model.norm.weight' contains NaN", error.Message);
    }

    [Fact]
    public void Given_an_unsupported_block_size_When_building_Then_it_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            MaskBuilder.Build([new("w", ones(4, 4))], new MaskOptions { Sparsity = 0.5, Granularity = MaskGranularity.Block, BlockSize = 24 }));

        Assert.Contains("block size must be one of 16, 32, 64, 128", error.Message);
    }
}
