using DeltaTui.Torch.SafeTensors;
using DeltaTui.Formats.SafeTensors;
using Xunit;

namespace DeltaTui.Training.Tests.SafeTensors;

/// <summary>Each rule of the format broken on its own, checked through both the header reader and the loader.</summary>
public sealed class SafeTensorsMalformedTests : IDisposable
{
    private readonly SafeTensorsFixture _files = new();

    public void Dispose() => _files.Dispose();

    private static SafeTensorsFormatException AssertRejected(string path, string expectedProblem)
    {
        var fromHeader = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.ReadHeader(path));
        Assert.Contains(expectedProblem, fromHeader.Problem, StringComparison.Ordinal);
        Assert.Contains(path, fromHeader.Message, StringComparison.Ordinal);
        var fromLoad = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Load(path));
        Assert.Equal(fromHeader.Problem, fromLoad.Problem);
        return fromHeader;
    }

    [Fact]
    public void Given_a_file_of_5_bytes_When_reading_Then_it_is_too_short_for_the_length_prefix()
    {
        var path = _files.WriteRaw([1, 2, 3, 4, 5]);
        AssertRejected(path, "the file is 5 bytes, shorter than the 8-byte header length prefix");
    }

    [Fact]
    public void Given_a_header_length_of_100MB_plus_one_When_reading_Then_it_is_rejected_before_allocating()
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), 100_000_001UL);
        var path = _files.WriteRaw(bytes);
        AssertRejected(path, "the header length 100000001 is over the 100000000-byte limit");
    }

    [Fact]
    public void Given_a_header_length_of_ulong_max_When_reading_Then_it_is_rejected_without_overflow()
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), ulong.MaxValue);
        var path = _files.WriteRaw(bytes);
        AssertRejected(path, $"the header length {ulong.MaxValue} is over the");
    }

    [Fact]
    public void Given_a_header_length_past_the_end_When_reading_Then_it_names_the_file_length()
    {
        var bytes = new byte[8 + 10];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), 11UL);
        var path = _files.WriteRaw(bytes);
        AssertRejected(path, "the header length 11 runs past the end of the file (18 bytes)");
    }

    [Fact]
    public void Given_a_header_with_invalid_utf8_When_reading_Then_it_is_not_utf8()
    {
        var header = "{\"a\":\"x\"}"u8.ToArray();
        header[6] = 0xFF;
        var path = _files.WriteRaw(SafeTensorsFixture.Compose(header, []));
        AssertRejected(path, "the header is not valid UTF-8 (bad byte at header offset 6)");
    }

    [Fact]
    public void Given_a_header_that_is_not_json_When_reading_Then_it_is_not_json()
    {
        var path = _files.Write("{\"w\": {\"dtype\": \"F32\",", 0);
        AssertRejected(path, "the header is not valid JSON");
    }

    [Fact]
    public void Given_a_header_that_does_not_start_with_a_brace_When_reading_Then_it_says_so()
    {
        var path = _files.Write("[1, 2]  ", 0);
        AssertRejected(path, "the header does not start with '{'");
    }

    [Fact]
    public void Given_a_tensor_name_twice_When_reading_Then_the_duplicate_is_named()
    {
        var path = _files.Write(
            """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        AssertRejected(path, "the name 'w' appears more than once in the header");
    }

    [Fact]
    public void Given_an_unknown_dtype_When_reading_Then_the_dtype_and_tensor_are_named()
    {
        var path = _files.Write("""{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}""", 4);
        AssertRejected(path, "tensor 'w': unknown dtype 'F33'");
    }

    [Fact]
    public void Given_a_lower_case_dtype_When_reading_Then_it_is_unknown_because_names_are_case_sensitive()
    {
        var path = _files.Write("""{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""", 4);
        AssertRejected(path, "tensor 'w': unknown dtype 'f32'");
    }

    [Fact]
    public void Given_overlapping_tensors_When_reading_Then_the_overlap_is_reported()
    {
        var path = _files.Write(
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12);
        AssertRejected(path, "tensor 'b': data at 4 overlaps the previous tensor, which ends at 8");
    }

    [Fact]
    public void Given_a_gap_between_tensors_When_reading_Then_the_gap_is_reported()
    {
        var path = _files.Write(
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12);
        AssertRejected(path, "tensor 'b': data starts at 8, leaving a gap after the previous tensor's end at 4");
    }

    [Fact]
    public void Given_a_gap_before_the_first_tensor_When_reading_Then_the_gap_is_reported()
    {
        var path = _files.Write("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        AssertRejected(path, "tensor 'a': data starts at 4, leaving a gap after the previous tensor's end at 0");
    }

    [Fact]
    public void Given_offsets_that_run_backwards_When_reading_Then_they_are_reported()
    {
        var path = _files.Write("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", 4);
        AssertRejected(path, "tensor 'a': data_offsets [4, 0] run backwards");
    }

    [Fact]
    public void Given_offsets_past_the_data_When_reading_Then_the_data_length_is_named()
    {
        var path = _files.Write("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8);
        AssertRejected(path, "tensor 'a': data_offsets end at 16, past the end of the data section (8 bytes)");
    }

    [Fact]
    public void Given_a_byte_size_that_differs_from_the_shape_When_reading_Then_both_sizes_are_named()
    {
        var path = _files.Write("""{"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,8]}}""", 8);
        AssertRejected(path, "tensor 'a': shape [2, 3] of BF16 needs 12 bytes but data_offsets span 8");
    }

    [Fact]
    public void Given_a_shape_whose_byte_count_overflows_When_reading_Then_it_is_an_error_not_a_wraparound()
    {
        // 2^62 elements × 4 bytes wraps to 0 in unchecked 64-bit arithmetic, which would match empty offsets.
        var path = _files.Write("""{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}""", 0);
        AssertRejected(path, "tensor 'a': shape [4611686018427387904] overflows a 64-bit byte count");
    }

    [Fact]
    public void Given_bytes_after_the_last_tensor_When_reading_Then_the_trailing_count_is_named()
    {
        var path = _files.Write("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 7);
        AssertRejected(path, "3 trailing bytes after the last tensor (tensors end at 4, the data section has 7 bytes)");
    }

    [Fact]
    public void Given_metadata_with_a_number_value_When_reading_Then_the_key_is_named()
    {
        var path = _files.Write("""{"__metadata__":{"format":"pt","step":3}}""", 0);
        AssertRejected(path, "'__metadata__.step' must be a string, not Number");
    }

    [Fact]
    public void Given_a_negative_dimension_When_reading_Then_the_field_is_named()
    {
        var path = _files.Write("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4);
        AssertRejected(path, "tensor 'a': 'shape[0]' must be a non-negative 64-bit integer, not -1");
    }

    [Fact]
    public void Given_a_tensor_without_data_offsets_When_reading_Then_the_missing_field_is_named()
    {
        var path = _files.Write("""{"a":{"dtype":"F32","shape":[1]}}""", 4);
        AssertRejected(path, "tensor 'a': missing 'data_offsets'");
    }
}
