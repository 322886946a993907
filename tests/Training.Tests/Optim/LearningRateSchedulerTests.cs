using DeltaTui.Training.Config;
using DeltaTui.Training.Optim;
using Xunit;

namespace DeltaTui.Training.Tests.Optim;

public class LearningRateSchedulerTests
{
    [Fact]
    public void Given_warmup_then_cosine_When_queried_Then_values_match_the_hand_computed_curve()
    {
        var schedule = new LearningRateScheduler(1e-3, WarmupSteps: 10, TotalSteps: 110, LearningRateSchedule.Cosine);
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
        var schedule = new LearningRateScheduler(2e-4, WarmupSteps: 4, TotalSteps: 100, LearningRateSchedule.Constant);
        Assert.Equal(1e-4, schedule.At(2), 15);
        Assert.Equal(2e-4, schedule.At(4), 15);
        Assert.Equal(2e-4, schedule.At(99), 15);
    }

    [Fact]
    public void Given_a_minimum_When_decayed_fully_Then_it_ends_at_the_minimum()
    {
        var schedule = new LearningRateScheduler(1e-3, 0, 10, LearningRateSchedule.Cosine, MinLearningRate: 1e-4);
        Assert.Equal(1e-3, schedule.At(0), 15);
        Assert.Equal(1e-4, schedule.At(10), 15);
        Assert.Throws<ArgumentException>(() => (schedule with { MinLearningRate = 2e-3 }).Validate());
    }

    [Fact]
    public void Given_the_optimizer_config_When_building_the_scheduler_Then_it_takes_peak_warmup_and_shape_from_it()
    {
        var options = new OptimizerOptions { Lr = 3e-4, WarmupSteps = 6, Schedule = LearningRateSchedule.Constant };
        var schedule = LearningRateScheduler.From(options, totalSteps: 50);
        Assert.Equal(1.5e-4, schedule.At(3), 15);
        Assert.Equal(3e-4, schedule.At(49), 15);
    }
}
