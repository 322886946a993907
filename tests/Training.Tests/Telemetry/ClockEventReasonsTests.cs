using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class ClockEventReasonsTests
{
    [Fact]
    public void Given_power_cap_and_hardware_thermal_bits_When_named_Then_both_names_come_in_bit_order()
    {
        Assert.Equal(["SwPowerCap", "HwThermalSlowdown"], ClockEventReasons.Names(0x4 | 0x40));
    }

    [Fact]
    public void Given_no_bits_When_named_Then_the_list_is_empty()
    {
        Assert.Empty(ClockEventReasons.Names(0));
    }

    [Fact]
    public void Given_a_bit_this_build_does_not_know_When_named_Then_it_is_shown_in_hex()
    {
        Assert.Equal(["GpuIdle", "Unknown0x10000"], ClockEventReasons.Names(0x1 | 0x10000));
    }
}
