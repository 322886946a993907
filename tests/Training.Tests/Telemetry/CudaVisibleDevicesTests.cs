using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class CudaVisibleDevicesTests
{
    private static readonly string[] Uuids =
    [
        "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6",
        "GPU-3f1a0000-aaaa-bbbb-cccc-000000000001",
        "GPU-3f1b0000-aaaa-bbbb-cccc-000000000002",
    ];

    [Fact]
    public void Given_the_variable_is_unset_When_resolving_Then_every_device_is_visible_in_NVML_order()
    {
        var (indices, note) = CudaVisibleDevices.Resolve(null, Uuids);
        Assert.Equal([0, 1, 2], indices);
        Assert.Null(note);
    }

    [Fact]
    public void Given_indices_When_resolving_Then_they_keep_the_listed_order()
    {
        var (indices, note) = CudaVisibleDevices.Resolve(" 2, 0 ", Uuids);
        Assert.Equal([2, 0], indices);
        Assert.Null(note);
    }

    [Fact]
    public void Given_full_and_prefixed_UUIDs_When_resolving_Then_they_map_to_their_devices()
    {
        var (indices, _) = CudaVisibleDevices.Resolve("GPU-3f1b0000-aaaa-bbbb-cccc-000000000002,8932f9", Uuids);
        Assert.Equal([2, 0], indices);
    }

    [Fact]
    public void Given_an_ambiguous_UUID_prefix_When_resolving_Then_the_list_ends_there_with_a_note()
    {
        var (indices, note) = CudaVisibleDevices.Resolve("0,GPU-3f1", Uuids);
        Assert.Equal([0], indices);
        Assert.Contains("more than one device", note);
    }

    [Theory]
    [InlineData("1,x,2", new[] { 1 }, "no device has this UUID")]
    [InlineData("0,7,1", new[] { 0 }, "only 3 device(s)")]
    [InlineData("1,1", new[] { 1 }, "listed twice")]
    [InlineData("-1", new int[0], "negative index")]
    [InlineData("2,-1,0", new[] { 2 }, "negative index")]
    [InlineData("MIG-4b4f0b0e-1234", new int[0], "MIG")]
    public void Given_an_invalid_entry_When_resolving_Then_devices_before_it_stay_and_the_rest_are_hidden(string value, int[] expected, string reason)
    {
        var (indices, note) = CudaVisibleDevices.Resolve(value, Uuids);
        Assert.Equal(expected, indices);
        Assert.Contains(reason, note);
    }

    [Fact]
    public void Given_an_empty_value_When_resolving_Then_no_device_is_visible_and_the_note_says_why()
    {
        var (indices, note) = CudaVisibleDevices.Resolve("", Uuids);
        Assert.Empty(indices);
        Assert.Contains("is empty", note);
    }
}
