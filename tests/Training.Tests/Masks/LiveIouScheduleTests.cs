using DeltaTui.Training.Masks;
using Xunit;

namespace DeltaTui.Training.Tests.Masks;

public class LiveIouScheduleTests
{
    [Fact]
    public void Given_per_tensor_iou_off_When_switched_on_Then_masks_are_compared_at_once_and_not_again_while_on()
    {
        var schedule = new LiveIouSchedule(perTensor: false, maskInterval: 50);

        Assert.True(schedule.Apply(true, null));
        Assert.True(schedule.PerTensor);
        Assert.False(schedule.Apply(true, null));
        Assert.False(schedule.Apply(false, null));
        Assert.False(schedule.PerTensor);
    }

    [Fact]
    public void Given_a_mask_interval_request_When_applied_Then_comparisons_fall_on_the_new_interval()
    {
        var schedule = new LiveIouSchedule(perTensor: true, maskInterval: 50);
        Assert.True(schedule.IsDue(50));
        Assert.False(schedule.IsDue(10));

        Assert.False(schedule.Apply(null, 10));

        Assert.True(schedule.IsDue(10));
        Assert.False(schedule.IsDue(15));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.Apply(null, 0));
    }
}
