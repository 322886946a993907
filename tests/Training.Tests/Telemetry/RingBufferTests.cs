using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class RingBufferTests
{
    [Fact]
    public void Given_a_buffer_of_three_When_five_items_are_added_Then_it_keeps_the_newest_three_oldest_first()
    {
        var ring = new RingBuffer<int>(3);
        for (var i = 1; i <= 5; i++) ring.Add(i);

        Assert.Equal(3, ring.Count);
        Assert.Equal([3, 4, 5], ring.ToArray());
        Assert.Equal(3, ring[0]);
        Assert.Equal(5, ring[2]);
    }

    [Fact]
    public void Given_a_partly_filled_buffer_When_read_Then_only_the_added_items_are_there()
    {
        var ring = new RingBuffer<string>(4);
        ring.Add("a");
        ring.Add("b");

        Assert.Equal(2, ring.Count);
        Assert.Equal(["a", "b"], ring.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => ring[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring[-1]);
    }

    [Fact]
    public void Given_a_wrapped_buffer_When_copied_into_a_shorter_span_Then_the_newest_items_are_kept()
    {
        var ring = new RingBuffer<int>(4);
        for (var i = 1; i <= 6; i++) ring.Add(i);
        Span<int> two = stackalloc int[2];

        var copied = ring.CopyTo(two);

        Assert.Equal(2, copied);
        Assert.Equal(5, two[0]);
        Assert.Equal(6, two[1]);
    }

    [Fact]
    public void Given_a_full_buffer_When_cleared_Then_it_is_empty_and_refills_from_the_start()
    {
        var ring = new RingBuffer<int>(2);
        ring.Add(1); ring.Add(2); ring.Add(3);

        ring.Clear();
        ring.Add(9);

        Assert.Equal([9], ring.ToArray());
    }

    [Fact]
    public void Given_a_capacity_below_one_When_constructing_Then_it_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBuffer<int>(0));
    }
}
