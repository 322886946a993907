using TorchSharp;
using Xunit;

namespace DeltaTui.Training.Tests.Smoke;

public class TorchLoadsTests
{
    [Fact]
    public void Given_the_runtime_When_summing_ones_Then_libtorch_answers()
    {
        using var t = torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }
}
