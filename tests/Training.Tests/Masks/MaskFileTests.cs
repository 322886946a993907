using System.Text;
using DeltaTui.Training.Masks;
using DeltaTui.Formats.Pickle;
using DeltaTui.Training.Tests.Pickle;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public sealed class MaskFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mask-file-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly MaskMetadata Metadata = new("fisher", 0.9, "global", "block", 32, 120, "google/gemma-3-270m-it");

    private static MaskSet SampleMasks()
    {
        var set = new MaskSet();
        set.Add("model.layers.0.self_attn.q_proj.weight", tensor(new[] { true, false, true, true, false, false }).reshape(2, 3));
        set.Add("model.layers.0.mlp.down_proj.weight", tensor(new[] { false, false, false, true }).reshape(4, 1));
        set.Add("empty", zeros(0, 5, ScalarType.Bool));
        return set;
    }

    [Fact]
    public void Given_masks_and_metadata_When_saved_and_loaded_Then_names_shapes_values_and_metadata_survive()
    {
        using var masks = SampleMasks();
        var path = Path.Combine(_folder, "fisher-step120.pt");

        MaskFile.Save(path, masks, Metadata);
        using var loaded = MaskFile.Load(path);

        Assert.Equal(masks.Names, loaded.Masks.Names);
        foreach (var name in masks.Names)
        {
            Assert.Equal(masks[name].shape, loaded.Masks[name].shape);
            if (masks[name].numel() > 0) Assert.Equal(masks[name].data<bool>().ToArray(), loaded.Masks[name].data<bool>().ToArray());
        }
        Assert.Equal(Metadata, MaskMetadata.FromDictionary(loaded.Metadata));
    }

    [Fact]
    public void Given_a_saved_file_When_read_by_an_independent_zip_and_pickle_reader_Then_it_has_torch_saves_layout()
    {
        using var masks = SampleMasks();
        var path = Path.Combine(_folder, "m.pt");
        MaskFile.Save(path, masks, Metadata);

        var archive = IndependentTorchFileReader.Read(path);

        Assert.Equal(
            ["archive/data.pkl", "archive/.format_version", "archive/.storage_alignment", "archive/byteorder",
             "archive/data/0", "archive/data/1", "archive/data/2", "archive/version", "archive/.data/serialization_id"],
            archive.EntryNames);
        Assert.All(archive.DataOffsets.Values, offset => Assert.Equal(0, offset % 64));
        var root = Assert.IsType<Dictionary<string, object?>>(archive.Root);
        Assert.Equal(["masks", "metadata"], root.Keys);
        var metadata = Assert.IsType<Dictionary<string, object?>>(root["metadata"]);
        Assert.Equal("fisher", metadata["method"]);
        Assert.Equal(0.9, metadata["sparsity"]);
        Assert.Equal(32L, metadata["block_size"]);
        Assert.Equal(120L, metadata["step"]);
        Assert.Equal("google/gemma-3-270m-it", metadata["model_id"]);
        var q = Assert.IsType<IndependentTorchFileReader.Tensor>(
            Assert.IsType<Dictionary<string, object?>>(root["masks"])["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal("torch.BoolStorage", q.StorageType);
        Assert.Equal([2L, 3L], q.Size);
        Assert.Equal([3L, 1L], q.Stride);
        Assert.Equal(new byte[] { 1, 0, 1, 1, 0, 0 }, q.Elements());
    }

    [Fact]
    public void Given_the_bytes_torch_save_writes_for_a_row_view_When_loaded_Then_the_storage_offset_is_honoured()
    {
        // torch.save({"row": t[1]}) for t = tensor([[F, T, F], [T, T, F]]): the whole 6-element storage is
        // saved and the tensor is rebuilt at offset 3. Opcodes (with memo puts) as Python's pickler emits them.
        var pickle = Concat(
            [0x80, 0x02, (byte)'}', (byte)'q', 0],
            Unicode("row"), [(byte)'q', 1],
            Ascii("ctorch._utils\n_rebuild_tensor_v2\n"), [(byte)'q', 2],
            [(byte)'(', (byte)'('],
            Unicode("storage"), [(byte)'q', 3],
            Ascii("ctorch\nBoolStorage\n"), [(byte)'q', 4],
            Unicode("0"), [(byte)'q', 5],
            Unicode("cpu"), [(byte)'q', 6],
            [(byte)'K', 6, (byte)'t', (byte)'q', 7, (byte)'Q'],
            [(byte)'K', 3],
            [(byte)'K', 3, 0x85, (byte)'q', 8],
            [(byte)'K', 1, 0x85, (byte)'q', 9],
            [0x89],
            Ascii("ccollections\nOrderedDict\n"), [(byte)'q', 10, (byte)')', (byte)'R', (byte)'q', 11],
            [(byte)'t', (byte)'q', 12, (byte)'R', (byte)'q', 13, (byte)'s', (byte)'.']);
        var path = WriteArchive(pickle, ("0", [0, 1, 0, 1, 1, 0]));

        using var loaded = MaskFile.Load(path, new Dictionary<string, long[]> { ["row"] = [3] });

        Assert.Empty(loaded.Metadata);
        Assert.Equal(new[] { true, true, false }, loaded.Masks["row"].data<bool>().ToArray());
    }

    [Fact]
    public void Given_a_transposed_view_When_loaded_Then_the_strides_are_followed()
    {
        // t.T for t of shape [2, 3]: size (3, 2), stride (1, 3), offset 0.
        var path = WriteArchive(FlatTensorPickle("t", "BoolStorage", 6, 0, [3, 2], [1, 3]), ("0", [1, 0, 0, 1, 1, 0]));

        using var loaded = MaskFile.Load(path);

        Assert.Equal(new long[] { 3, 2 }, loaded.Masks["t"].shape);
        Assert.Equal(new[] { true, true, false, true, false, false }, loaded.Masks["t"].data<bool>().ToArray());
    }

    [Fact]
    public void Given_a_pickle_calling_a_forbidden_global_When_loaded_Then_the_error_names_the_file_and_the_global()
    {
        var w = new PickleWriter();
        w.Global("os", "system");
        w.Tuple(1, () => w.String("echo pwned"));
        w.Reduce();
        w.Stop();
        var path = WriteArchive(w.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("global 'os.system' is not allowed", error.Message);
    }

    [Fact]
    public void Given_a_pickle_with_a_BUILD_opcode_When_loaded_Then_the_error_names_the_opcode()
    {
        var path = WriteArchive([0x80, 0x02, (byte)'}', (byte)'}', (byte)'b', (byte)'.']);

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains("opcode BUILD is not allowed", error.Message);
    }

    [Fact]
    public void Given_a_float_tensor_When_loaded_as_a_mask_Then_it_is_rejected_as_non_bool()
    {
        var path = WriteArchive(FlatTensorPickle("w", "FloatStorage", 2, 0, [2], [1]), ("0", new byte[8]));

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains("mask 'w' holds FloatStorage data; masks must be bool tensors", error.Message);
    }

    [Fact]
    public void Given_a_mask_whose_shape_differs_from_the_model_When_loaded_Then_the_error_gives_both_shapes()
    {
        using var masks = SampleMasks();
        var path = Path.Combine(_folder, "m.pt");
        MaskFile.Save(path, masks, Metadata);
        var model = new Dictionary<string, long[]>
        {
            ["model.layers.0.self_attn.q_proj.weight"] = [3, 2],
            ["model.layers.0.mlp.down_proj.weight"] = [4, 1],
            ["empty"] = [0, 5],
        };

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path, model));

        Assert.Contains("mask 'model.layers.0.self_attn.q_proj.weight' has shape [2, 3] but the model's tensor is [3, 2]", error.Message);
    }

    [Fact]
    public void Given_a_mask_for_a_tensor_the_model_lacks_When_loaded_Then_it_is_rejected_by_name()
    {
        using var masks = SampleMasks();
        var path = Path.Combine(_folder, "m.pt");
        MaskFile.Save(path, masks, Metadata);

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path, new Dictionary<string, long[]>()));

        Assert.Contains("names no tensor of the model", error.Message);
    }

    [Fact]
    public void Given_a_dict_holding_a_string_instead_of_a_tensor_When_loaded_Then_the_layout_is_rejected()
    {
        var w = new PickleWriter();
        w.Dict([new KeyValuePair<string, object>("w", "not a tensor")], w.Scalar);
        w.Stop();
        var path = WriteArchive(w.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains("'w' is a str, not a tensor", error.Message);
    }

    [Fact]
    public void Given_bool_storage_with_a_byte_other_than_0_or_1_When_loaded_Then_it_is_rejected()
    {
        var path = WriteArchive(FlatTensorPickle("w", "BoolStorage", 3, 0, [3], [1]), ("0", [0, 2, 1]));

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains("storage byte 1 is 2; bool data must be 0 or 1", error.Message);
    }

    [Fact]
    public void Given_a_view_reaching_past_its_storage_When_loaded_Then_it_is_rejected()
    {
        var path = WriteArchive(FlatTensorPickle("w", "BoolStorage", 4, 2, [3], [1]), ("0", [0, 1, 1, 0]));

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains("reaches past its storage of 4 elements", error.Message);
    }

    [Fact]
    public void Given_a_missing_storage_record_When_loaded_Then_the_record_is_named()
    {
        var path = WriteArchive(FlatTensorPickle("w", "BoolStorage", 4, 0, [4], [1]));

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains("storage record 'archive/data/0' is missing", error.Message);
    }

    [Fact]
    public void Given_a_file_truncated_mid_write_When_loaded_Then_it_is_rejected_as_truncated()
    {
        using var masks = SampleMasks();
        var path = Path.Combine(_folder, "m.pt");
        MaskFile.Save(path, masks, Metadata);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Given_a_pickle_cut_short_When_loaded_Then_it_is_rejected_as_truncated()
    {
        var w = new PickleWriter();
        w.Dict([new KeyValuePair<string, object>("w", "x")], w.Scalar);
        var path = WriteArchive(w.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains("ends without a STOP opcode", error.Message);
    }

    [Fact]
    public void Given_run_name_method_and_step_When_asking_for_the_path_Then_it_follows_masks_run_method_step()
    {
        Assert.Equal(Path.Combine("out", "masks", "demo", "momentum-step40.pt"), MaskFile.PathFor("out", "demo", ScoreMethod.Momentum, 40));
    }

    private string WriteArchive(byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        var path = Path.Combine(_folder, $"crafted-{Guid.NewGuid():N}.pt");
        using var stream = File.Create(path);
        var zip = new TorchZipWriter(stream);
        zip.AddRecord("data.pkl", pickle);
        zip.AddRecord("byteorder", "little"u8);
        foreach (var (key, data) in storages) zip.AddRecord($"data/{key}", data);
        zip.AddRecord("version", "3\n"u8);
        zip.Finish();
        return path;
    }

    private static byte[] FlatTensorPickle(string name, string storageType, long numel, long offset, long[] size, long[] stride)
    {
        var w = new PickleWriter();
        w.Dict([new KeyValuePair<string, int>(name, 0)], _ =>
        {
            w.Global("torch._utils", "_rebuild_tensor_v2");
            w.Tuple(6, () =>
            {
                w.Tuple(5, () =>
                {
                    w.String("storage");
                    w.Global("torch", storageType);
                    w.String("0");
                    w.String("cpu");
                    w.Int(numel);
                });
                w.PersistentId();
                w.Int(offset);
                w.IntTuple(size);
                w.IntTuple(stride);
                w.Bool(false);
                w.Global("collections", "OrderedDict");
                w.Tuple(0, () => { });
                w.Reduce();
            });
            w.Reduce();
        });
        w.Stop();
        return w.ToArray();
    }

    private static byte[] Unicode(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return [(byte)'X', .. BitConverter.GetBytes(bytes.Length), .. bytes];
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
