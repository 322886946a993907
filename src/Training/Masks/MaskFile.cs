using System.Globalization;
using System.Text;
using DeltaTui.Core.IO;
using DeltaTui.Formats.Pickle;
using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>A mask file read back: the masks and the metadata dict (empty for a flat {name: tensor} file).</summary>
public sealed record LoadedMaskFile(MaskSet Masks, IReadOnlyDictionary<string, object> Metadata) : IDisposable
{
    public void Dispose() => Masks.Dispose();
}

/// <summary>
/// Mask files in torch.save's zip format, so Python reads them with torch.load(path, weights_only=True)
/// as {"masks": {name: bool tensor}, "metadata": {...}}. Reading accepts that layout and a flat
/// {name: bool tensor}, through <see cref="SafeUnpickler"/>, and never executes anything.
/// </summary>
public static class MaskFile
{
    /// <summary>Where the trainer saves a method's mask: masks/&lt;run-name&gt;/&lt;method&gt;-step&lt;N&gt;.pt under <paramref name="root"/>.</summary>
    public static string PathFor(string root, string runName, ScoreMethod method, int step) =>
        Path.Combine(root, "masks", runName, $"{method.ToName()}-step{step}.pt");

    public static void Save(string path, MaskSet masks, MaskMetadata metadata, AtomicFileOptions? options = null) =>
        Save(path, masks, metadata.ToPairs(), options);

    public static void Save(string path, MaskSet masks, IReadOnlyList<KeyValuePair<string, object>> metadata,
        AtomicFileOptions? options = null)
    {
        var cpuMasks = masks.Names.Select(n => masks[n].cpu().contiguous()).ToList();
        try
        {
            var pickle = BuildPickle(masks.Names, cpuMasks, metadata);
            AtomicFile.Write(path, stream => WriteArchive(stream, pickle, cpuMasks), options);
        }
        finally
        {
            foreach (var (name, tensor) in masks.Names.Zip(cpuMasks))
                if (!ReferenceEquals(tensor, masks[name])) tensor.Dispose();
        }
    }

    /// <summary>Reads a mask file. With <paramref name="expectedShapes"/>, every tensor must be a known name of that shape.</summary>
    public static LoadedMaskFile Load(string path, IReadOnlyDictionary<string, long[]>? expectedShapes = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return Read(stream, expectedShapes);
        }
        catch (Exception e) when (e is InvalidDataException or PickleFormatException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{path}: mask file not found", path, e);
        }
    }

    private static byte[] BuildPickle(IReadOnlyList<string> names, IReadOnlyList<Tensor> tensors,
        IReadOnlyList<KeyValuePair<string, object>> metadata)
    {
        var w = new PickleWriter();
        var top = new List<KeyValuePair<string, Action>>
        {
            new("masks", () => w.Dict(names.Select((n, i) => new KeyValuePair<string, int>(n, i)).ToList(),
                i => WriteTensor(w, i, tensors[i]))),
            new("metadata", () => w.Dict(metadata, w.Scalar)),
        };
        w.Dict(top, write => write());
        w.Stop();
        return w.ToArray();
    }

    // What Tensor.__reduce_ex__ emits: _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()).
    private static void WriteTensor(PickleWriter w, int storageKey, Tensor tensor)
    {
        var shape = tensor.shape;
        var stride = ContiguousStrides(shape);
        w.Global("torch._utils", "_rebuild_tensor_v2");
        w.Tuple(6, () =>
        {
            w.Tuple(5, () =>
            {
                w.String("storage");
                w.Global("torch", "BoolStorage");
                w.String(storageKey.ToString(CultureInfo.InvariantCulture));
                w.String("cpu");
                w.Int(tensor.numel());
            });
            w.PersistentId();
            w.Int(0);
            w.IntTuple(shape);
            w.IntTuple(stride);
            w.Bool(false);
            w.Global("collections", "OrderedDict");
            w.Tuple(0, () => { });
            w.Reduce();
        });
        w.Reduce();
    }

    private static void WriteArchive(Stream stream, byte[] pickle, IReadOnlyList<Tensor> tensors)
    {
        var zip = new TorchZipWriter(stream);
        zip.AddRecord("data.pkl", pickle);
        zip.AddRecord(".format_version", "1"u8);
        zip.AddRecord(".storage_alignment", "64"u8);
        zip.AddRecord("byteorder", "little"u8);
        uint id = Crc32.Compute(pickle);
        for (var i = 0; i < tensors.Count; i++)
        {
            var bytes = Bytes(tensors[i]);
            zip.AddRecord($"data/{i}", bytes);
            id = Crc32.Append(id, bytes[..Math.Min(bytes.Length, 4096)]);
        }
        zip.AddRecord("version", "3\n"u8);
        zip.AddRecord(".data/serialization_id", Encoding.ASCII.GetBytes(id.ToString("D20", CultureInfo.InvariantCulture)));
        zip.Finish();
    }

    private static ReadOnlySpan<byte> Bytes(Tensor contiguousCpu) =>
        contiguousCpu.bytes;

    internal static long[] ContiguousStrides(IReadOnlyList<long> shape)
    {
        var strides = new long[shape.Count];
        long step = 1;
        for (var d = shape.Count - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    private static LoadedMaskFile Read(Stream stream, IReadOnlyDictionary<string, long[]>? expectedShapes)
    {
        var zip = new TorchZipReader(stream);
        var root = SafeUnpickler.Load(zip.Read("data.pkl"));
        if (root is not PickleDict top)
            throw new InvalidDataException("the pickled object is not a dict; expected {\"masks\": ..., \"metadata\": ...} or {name: bool tensor}");

        PickleDict maskDict;
        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        var keys = top.Items.Select(p => p.Key).ToList();
        if (keys.Count == 2 && keys.Contains("masks") && keys.Contains("metadata") && top.Items.All(p => p.Value is PickleDict))
        {
            maskDict = (PickleDict)top.Items.First(p => Equals(p.Key, "masks")).Value!;
            foreach (var (key, value) in ((PickleDict)top.Items.First(p => Equals(p.Key, "metadata")).Value!).Items)
            {
                if (key is not string name) throw new InvalidDataException($"metadata key {key} is not a str");
                metadata[name] = value switch
                {
                    string or long or double or bool => value,
                    _ => throw new InvalidDataException($"metadata '{name}' is {Describe(value)}; only str, int, float and bool are accepted"),
                };
            }
        }
        else
        {
            maskDict = top;
        }

        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var set = new MaskSet();
        try
        {
            foreach (var (key, value) in maskDict.Items)
            {
                if (key is not string name) throw new InvalidDataException($"mask key {key} is not a str");
                if (value is not PickleTensorRef tensor)
                    throw new InvalidDataException($"'{name}' is {Describe(value)}, not a tensor; expected {{\"masks\": {{name: bool tensor}}, \"metadata\": {{...}}}} or {{name: bool tensor}}");
                if (tensor.Storage.StorageType != "BoolStorage")
                    throw new InvalidDataException($"mask '{name}' holds {tensor.Storage.StorageType} data; masks must be bool tensors");
                CheckShape(name, tensor.Size, expectedShapes);
                if (!storages.TryGetValue(tensor.Storage.Key, out var data))
                {
                    var record = $"data/{tensor.Storage.Key}";
                    if (!zip.Contains(record)) throw new InvalidDataException($"mask '{name}': storage record '{zip.Prefix}{record}' is missing");
                    data = zip.Read(record);
                    if (data.Length != tensor.Storage.Numel)
                        throw new InvalidDataException($"mask '{name}': storage '{record}' has {data.Length} bytes, the pickle says {tensor.Storage.Numel}");
                    var bad = data.AsSpan().IndexOfAnyExcept((byte)0, (byte)1);
                    if (bad >= 0) throw new InvalidDataException($"mask '{name}': storage byte {bad} is {data[bad]}; bool data must be 0 or 1");
                    storages[tensor.Storage.Key] = data;
                }
                set.Add(name, Materialise(name, tensor, data));
            }
        }
        catch
        {
            set.Dispose();
            throw;
        }
        return new LoadedMaskFile(set, metadata);
    }

    private static void CheckShape(string name, long[] size, IReadOnlyDictionary<string, long[]>? expectedShapes)
    {
        if (expectedShapes is null) return;
        if (!expectedShapes.TryGetValue(name, out var expected))
            throw new InvalidDataException($"mask '{name}' names no tensor of the model");
        if (!expected.SequenceEqual(size))
            throw new InvalidDataException($"mask '{name}' has shape [{string.Join(", ", size)}] but the model's tensor is [{string.Join(", ", expected)}]");
    }

    // Copies the (possibly offset, possibly non-contiguous) view out of its storage after checking its bounds.
    private static Tensor Materialise(string name, PickleTensorRef tensor, byte[] storage)
    {
        var numel = tensor.Size.Aggregate(1L, (a, b) => checked(a * b));
        var result = new byte[numel];
        if (numel > 0)
        {
            var last = tensor.StorageOffset + tensor.Size.Select((s, d) => (s - 1) * tensor.Stride[d]).Sum();
            if (last >= storage.Length)
                throw new InvalidDataException($"mask '{name}': view (offset {tensor.StorageOffset}, size [{string.Join(", ", tensor.Size)}], stride [{string.Join(", ", tensor.Stride)}]) reaches past its storage of {storage.Length} elements");
            if (tensor.Stride.SequenceEqual(ContiguousStrides(tensor.Size)))
                storage.AsSpan(checked((int)tensor.StorageOffset), checked((int)numel)).CopyTo(result);
            else
                GatherStrided(storage, tensor, result);
        }
        var t = empty(tensor.Size, ScalarType.Bool);
        result.AsSpan().CopyTo(t.bytes);
        return t;
    }

    private static void GatherStrided(byte[] storage, PickleTensorRef tensor, byte[] result)
    {
        var dims = tensor.Size.Length;
        var index = new long[dims];
        for (long i = 0; i < result.Length; i++)
        {
            var offset = tensor.StorageOffset;
            for (var d = 0; d < dims; d++) offset += index[d] * tensor.Stride[d];
            result[i] = storage[offset];
            for (var d = dims - 1; d >= 0; d--)
            {
                if (++index[d] < tensor.Size[d]) break;
                index[d] = 0;
            }
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string => "a str",
        long => "an int",
        double => "a float",
        bool => "a bool",
        PickleDict => "a dict",
        PickleTensorRef => "a tensor",
        object?[] => "a tuple",
        List<object?> => "a list",
        _ => value.GetType().Name,
    };
}
