using DeltaTui.Training.Optim;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

public class BlockSelectionTests
{
    [Fact]
    public void Given_a_score_When_selecting_the_top_quarter_Then_the_blocks_with_the_highest_means_win_and_ties_go_to_lower_ids()
    {
        // 40 x 40 with 16 x 16 blocks: 3 x 3 blocks, the last row/column partial (8 wide).
        using var score = zeros(40, 40);
        score.narrow(0, 32, 8).narrow(1, 32, 8).fill_(5);   // corner block (2,2): mean 5 over its 64 elements
        score.narrow(0, 0, 16).narrow(1, 16, 16).fill_(3);  // block (0,1): mean 3
        score.narrow(0, 16, 16).narrow(1, 0, 16).fill_(1);  // block (1,0): mean 1, tied with (1,1)
        score.narrow(0, 16, 16).narrow(1, 16, 16).fill_(1); // block (1,1)
        var layout = BlockSelection.TopBlocks(score, 16, 3.0 / 9);
        Assert.Equal([1L, 3, 8], layout.LinearBlockIds());
    }

    [Fact]
    public void Given_density_zero_or_one_When_selecting_Then_nothing_or_everything_is_active()
    {
        using var score = rand(50, 70);
        Assert.Equal(0, BlockSelection.TopBlocks(score, 32, 0).ActiveBlocks);
        Assert.Equal(6, BlockSelection.TopBlocks(score, 32, 1).ActiveBlocks);
    }
}
