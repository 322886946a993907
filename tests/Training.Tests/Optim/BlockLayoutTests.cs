using DeltaTui.Training.Optim;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class BlockLayoutTests
{
    [Fact]
    public void Given_a_bool_block_mask_When_building_the_layout_Then_row_pointers_and_columns_are_bsr()
    {
        // 40 x 70 with 16 x 16 blocks: 3 block rows (last partial), 5 block columns (last partial).
        using var mask = tensor(new[]
        {
            true, false, false, true, false,
            false, false, false, false, false,
            false, true, true, false, true,
        }).reshape(3, 5);
        var layout = BlockLayout.FromBlockMask(40, 70, 16, mask);
        Assert.Equal([0, 2, 2, 5], layout.RowPtr.ToArray());
        Assert.Equal([0, 3, 1, 2, 4], layout.ColIdx.ToArray());
        Assert.Equal([0L, 3, 11, 12, 14], layout.LinearBlockIds());
        Assert.Equal(5.0 / 15, layout.Density, 12);
        Assert.True(layout.ToBlockMask().eq(mask).all().item<bool>());
    }

    [Fact]
    public void Given_the_same_seed_When_drawing_random_layouts_Then_they_have_exactly_the_rounded_share_of_blocks_and_repeat()
    {
        // 70 x 45 with 16 x 16 blocks: 5 x 3 = 15 blocks, 0.25 of them rounds to 4.
        var a = BlockLayout.Random(70, 45, 16, 0.25, new Random(9));
        var b = BlockLayout.Random(70, 45, 16, 0.25, new Random(9));
        var tiny = BlockLayout.Random(70, 45, 16, 0.001, new Random(9));

        Assert.Equal(4, a.ActiveBlocks);
        Assert.Equal(a.LinearBlockIds(), b.LinearBlockIds());
        Assert.Equal(1, tiny.ActiveBlocks);
    }

    [Fact]
    public void Given_active_edge_blocks_When_counting_active_elements_Then_only_the_part_inside_the_weight_counts()
    {
        // 40 x 70 with 16 x 16 blocks: (0,0) is full, (0,4) is 16 x 6, (2,1) is 8 x 16, (2,4) is 8 x 6.
        var layout = BlockLayout.FromBlockMask(40, 70, 16, (r, c) => (r, c) is (0, 0) or (0, 4) or (2, 1) or (2, 4));

        Assert.Equal(256 + 96 + 128 + 48, layout.ActiveElements);
        Assert.Equal(40 * 70, BlockLayout.Dense(40, 70, 16).ActiveElements);
    }

    [Fact]
    public void Given_a_mask_of_the_wrong_shape_When_building_Then_the_error_gives_both_shapes()
    {
        using var mask = ones(2, 2, ScalarType.Bool);
        var error = Assert.Throws<ArgumentException>(() => BlockLayout.FromBlockMask(40, 70, 16, mask));
        Assert.Contains("[2, 2]", error.Message);
        Assert.Contains("[3, 5]", error.Message);
    }

    [Fact]
    public void Given_unsorted_columns_When_constructing_Then_it_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new BlockLayout(32, 64, 16, [0, 2, 2], [1, 0]));
        Assert.Contains("not strictly increasing", error.Message);
    }

    [Fact]
    public void Given_an_unsupported_block_size_When_constructing_Then_it_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => BlockLayout.Dense(32, 32, 24));
    }

    [Fact]
    public void Given_a_layout_When_gathering_and_scattering_blocks_Then_active_blocks_round_trip_and_others_keep_the_basis()
    {
        using var full = arange(0, 40 * 70, dtype: ScalarType.Float32).reshape(40, 70);
        var layout = BlockLayout.FromBlockMask(40, 70, 16, (r, c) => (r + c) % 2 == 0);
        using var ids = BlockTiling.BlockIds(layout, CPU);
        using var blocks = BlockTiling.Gather(full, layout, ids);
        // Block (2,4) is the partial 8 x 6 corner: zero padding outside the weight.
        var corner = Array.IndexOf(layout.LinearBlockIds(), 2L * 5 + 4);
        Assert.Equal(full[32, 64].item<float>(), blocks[corner, 0, 0].item<float>());
        Assert.Equal(0f, blocks[corner, 8, 0].item<float>());
        Assert.Equal(0f, blocks[corner, 0, 6].item<float>());
        using var basis = full.neg();
        using var back = BlockTiling.Scatter(blocks, basis, layout, ids);
        Assert.Equal(full[0, 0].item<float>(), back[0, 0].item<float>());
        Assert.Equal(basis[0, 16].item<float>(), back[0, 16].item<float>());
        Assert.Equal(full[39, 69].item<float>(), back[39, 69].item<float>());
    }
}
