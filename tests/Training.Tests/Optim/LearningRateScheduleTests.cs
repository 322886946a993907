using DeltaTui.Training.Optim;
using Xunit;

namespace DeltaTui.Training.Tests.Optim;

public class LearningRateScheduleTests
{
    [Fact]
    public void Given_warmup_then_cosine_When_queried_Then_values_match_the_hand_computed_curve()
    {
        var schedule = new LearningRateSchedule(1e-3, WarmupSteps: 10, TotalSteps: 110, LearningRateDecay.Cosine);
        Assert.Equal(0.0, schedule.At(0), 15);
        Assert.Equal(5e-4, schedule.At(5), 15);
        Assert.Equal(1e-3, schedule.At(10), 15);
        Assert.Equal(5e-4, schedule.At(60), 15);                                  // half way: cos(pi/2) = 0
        Assert.Equal(1e-3 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), schedule.At(35), 15);
        Assert.Equal(0.0, schedule.At(110), 15);
        Assert.Equal(0.0, schedule.At(500), 15);                                  // past the end it stays at the minimum
    }

    [Fact]
    public void Given_warmup_then_constant_When_queried_Then_it_holds_the_peak()
    {
        var schedule = new LearningRateSchedule(2e-4, WarmupSteps: 4, TotalSteps: 100, LearningRateDecay.Constant);
        Assert.Equal(1e-4, schedule.At(2), 15);
        Assert.Equal(2e-4, schedule.At(4), 15);
        Assert.Equal(2e-4, schedule.At(99), 15);
    }

    [Fact]
    public void Given_a_minimum_When_decayed_fully_Then_it_ends_at_the_minimum()
    {
        var schedule = new LearningRateSchedule(1e-3, 0, 10, LearningRateDecay.Cosine, MinLearningRate: 1e-4);
        Assert.Equal(1e-3, schedule.At(0), 15);
        Assert.Equal(1e-4, schedule.At(10), 15);
        Assert.Throws<ArgumentException>(() => (schedule with { MinLearningRate = 2e-3 }).Validate());
    }
}
