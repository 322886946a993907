using DeltaTui.Torch.SafeTensors;
using DeltaTui.Core.IO;
using DeltaTui.Formats.SafeTensors;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.SafeTensors;

public sealed class SafeTensorsRoundTripTests : IDisposable
{
    private readonly SafeTensorsFixture _files = new();

    public void Dispose() => _files.Dispose();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "gemma3-tiny", name);

    [Theory]
    [InlineData("reference.safetensors")]
    [InlineData("model.safetensors")]
    public void Given_a_file_written_by_the_reference_writer_When_loaded_and_saved_Then_the_bytes_are_identical(string name)
    {
        // reference.safetensors mixes I64, F32 and U8 and carries two metadata entries, so this pins
        // the reference writer's ordering (widest type first, then name), JSON layout and padding.
        var original = Fixture(name);
        var header = SafeTensorsFile.ReadHeader(original);
        var tensors = SafeTensorsFile.Load(original);
        var copy = Path.Combine(_files.Folder, name);

        SafeTensorsFile.Save(copy, tensors.Select(kv => (kv.Key, kv.Value)), header.Metadata);

        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(copy));
    }

    [Fact]
    public void Given_the_reference_fixture_When_reading_the_header_Then_metadata_and_shapes_are_those_python_wrote()
    {
        var header = SafeTensorsFile.ReadHeader(Fixture("reference.safetensors"));

        Assert.Equal("transformers 5.17.0, torch 2.11.0+cu130, eager attention, fp32", header.Metadata["made_with"]);
        Assert.Equal(new long[] { 2, 40, 512 }, header.ByName["logits"].Shape);
        Assert.Equal(SafeTensorsDType.U8, header.ByName["completion_mask"].DType);
        Assert.Equal(8 + 552, header.DataStart);
    }

    [Fact]
    public void Given_tensors_of_every_supported_dtype_When_saved_and_loaded_Then_values_and_types_survive()
    {
        var source = new Dictionary<string, Tensor>
        {
            ["bool"] = tensor(new[] { true, false, true }),
            ["u8"] = tensor(new byte[] { 0, 200, 255 }),
            ["i8"] = tensor(new sbyte[] { -128, 0, 127 }),
            ["i16"] = tensor(new short[] { -32768, 1, 32767 }),
            ["f16"] = tensor(new[] { 0.5f, -2f, 65504f }).to_type(ScalarType.Float16),
            ["bf16"] = tensor(new[] { 0.5f, -2f, 3.0e38f }).to_type(ScalarType.BFloat16),
            ["i32"] = tensor(new[] { int.MinValue, 0, int.MaxValue }),
            ["f32"] = tensor(new[] { 1.5f, float.NegativeInfinity, 1e-30f }),
            ["f64"] = tensor(new[] { Math.PI, -1e300, 0 }),
            ["i64"] = tensor(new[] { long.MinValue, 0, long.MaxValue }),
            ["scalar"] = tensor(7.25f),
            ["empty"] = zeros(0, 3),
        };
        var path = Path.Combine(_files.Folder, "all.safetensors");

        SafeTensorsFile.Save(path, source.Select(kv => (kv.Key, kv.Value)));
        var loaded = SafeTensorsFile.Load(path);

        Assert.Equal(source.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, expected) in source)
        {
            Assert.Equal(expected.dtype, loaded[name].dtype);
            Assert.Equal(expected.shape, loaded[name].shape);
            Assert.True(expected.eq(loaded[name]).all().item<bool>(), name);
        }
        var header = SafeTensorsFile.ReadHeader(path);
        Assert.Equal(0, header.DataStart % 8);
        Assert.All(header.Tensors, t => Assert.Equal(0, t.DataStart % t.DType.ByteSize()));
    }

    [Fact]
    public void Given_views_with_offsets_and_strides_When_saved_Then_their_logical_contents_are_written()
    {
        var baseTensor = arange(24, dtype: ScalarType.Float32).reshape(4, 6);
        var sliced = baseTensor.narrow(0, 1, 2);        // storage offset 6, contiguous
        var transposed = baseTensor.t();                // not contiguous
        var stepped = baseTensor[.., TensorIndex.Slice(1, null, 2)]; // offset and stride
        var path = Path.Combine(_files.Folder, "views.safetensors");

        SafeTensorsFile.Save(path, [("sliced", sliced), ("transposed", transposed), ("stepped", stepped)]);
        var loaded = SafeTensorsFile.Load(path);

        Assert.Equal(new float[] { 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 }, loaded["sliced"].data<float>().ToArray());
        Assert.Equal(transposed.shape, loaded["transposed"].shape);
        Assert.True(transposed.eq(loaded["transposed"]).all().item<bool>());
        Assert.Equal(new float[] { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 }, loaded["stepped"].data<float>().ToArray());
    }

    [Fact]
    public void Given_two_tensors_with_one_name_When_saving_Then_nothing_is_written()
    {
        var path = Path.Combine(_files.Folder, "dup.safetensors");

        var error = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(path, [("w", ones(1)), ("w", ones(2))]));

        Assert.Contains("'w' is given more than once", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_files.Folder));
    }

    [Fact]
    public void Given_a_writer_that_fails_midway_When_replacing_a_file_Then_the_old_file_stays_and_no_temporary_is_left()
    {
        var path = Path.Combine(_files.Folder, "target.bin");
        File.WriteAllText(path, "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial new"u8);
            throw new InvalidOperationException("disk on fire");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_files.Folder));
    }
}
