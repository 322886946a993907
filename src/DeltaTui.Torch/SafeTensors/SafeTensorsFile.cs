using DeltaTui.Formats.SafeTensors;
using DeltaTui.Core.IO;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Torch.SafeTensors;

/// <summary>Reads and writes safetensors files (the format of Hugging Face checkpoints).</summary>
public static class SafeTensorsFile
{
    /// <summary>Span-based tensor access is limited to int.MaxValue bytes, so big tensors move in slices.</summary>
    private const long SliceBytes = 1L << 30;

    /// <summary>Reads and validates the header only; no tensor data is read.</summary>
    public static SafeTensorsHeader ReadHeader(string path) => SafeTensorsHeaderParser.Read(path);

    /// <summary>
    /// Loads every tensor. Each tensor's bytes are read straight into its own CPU storage (no
    /// intermediate managed copy of the file), then moved to <paramref name="device"/>.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        var header = SafeTensorsHeaderParser.Read(path, file);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in header.Tensors)
            {
                tensors.Add(info.Name, ReadTensor(file, header, info, device));
            }
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
    }

    /// <summary>Reads one tensor described by <paramref name="header"/> from an open file.</summary>
    public static Tensor ReadTensor(FileStream file, SafeTensorsHeader header, SafeTensorInfo info, Device? device = null)
    {
        var scalarType = info.DType.ToScalarType()
            ?? throw new NotSupportedException($"{header.FilePath}: tensor '{info.Name}' has dtype {info.DType}, which TorchSharp cannot hold");
        var tensor = empty(info.ShapeArray, scalarType, CPU);
        try
        {
            var flat = tensor.view(-1);
            var elementSize = info.DType.ByteSize();
            var elementsPerSlice = SliceBytes / elementSize;
            var offset = header.DataStart + info.DataStart;
            for (long first = 0; first < flat.shape[0]; first += elementsPerSlice)
            {
                using var slice = flat.narrow(0, first, Math.Min(elementsPerSlice, flat.shape[0] - first));
                var span = slice.bytes;
                while (!span.IsEmpty)
                {
                    var read = RandomAccess.Read(file.SafeFileHandle, span, offset);
                    if (read == 0)
                    {
                        throw new SafeTensorsFormatException(header.FilePath, $"tensor '{info.Name}': the file ended at offset {offset} (was it truncated after the header was read?)");
                    }
                    span = span[read..];
                    offset += read;
                }
            }
            flat.Dispose();
            if (device is null || device.type == DeviceType.CPU)
            {
                return tensor;
            }
            var moved = tensor.to(device);
            tensor.Dispose();
            return moved;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes tensors like the reference writer: ordered by element width (widest first, which keeps
    /// every tensor aligned) and then by name, the JSON header padded with spaces to a multiple of 8
    /// bytes. The file is replaced atomically. Views and non-contiguous tensors are written as their
    /// logical contents.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = tensors.Select(t => (t.Name, t.Tensor, DType: SafeTensorsScalarTypes.FromScalarType(t.Tensor.dtype))).ToList();
        var duplicate = entries.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"{path}: the tensor name '{duplicate.Key}' is given more than once", nameof(tensors));
        }
        if (entries.Any(e => e.Name == SafeTensorsHeaderParser.MetadataKey))
        {
            throw new ArgumentException($"{path}: '{SafeTensorsHeaderParser.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
        }
        entries.Sort((a, b) =>
        {
            var byWidth = b.DType.CompareTo(a.DType);
            return byWidth != 0 ? byWidth : string.CompareOrdinal(a.Name, b.Name);
        });

        var headerBytes = BuildHeader(entries.Select(e => (e.Name, e.DType, e.Tensor.shape, e.Tensor.NumberOfElements)), metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BitConverter.TryWriteBytes(prefix, (ulong)headerBytes.Length);
            stream.Write(prefix);
            stream.Write(headerBytes);
            foreach (var entry in entries)
            {
                WriteTensorBytes(stream, entry.Tensor);
            }
        });
    }

    private static byte[] BuildHeader(IEnumerable<(string Name, SafeTensorsDType DType, long[] Shape, long Elements)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafeTensorsHeaderParser.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, shape, elements) in entries)
            {
                var bytes = checked(elements * dtype.ByteSize());
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.ToString());
                json.WriteStartArray("shape");
                foreach (var dimension in shape)
                {
                    json.WriteNumberValue(dimension);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        var length = buffer.Length;
        var padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, (int)length).CopyTo(header);
        header.AsSpan((int)length).Fill((byte)' ');
        return header;
    }

    private static void WriteTensorBytes(Stream stream, Tensor tensor)
    {
        if (tensor.NumberOfElements == 0)
        {
            return;
        }
        using var scope = NewDisposeScope();
        var flat = tensor.detach().to(CPU).contiguous().view(-1);
        var elementsPerSlice = SliceBytes / flat.ElementSize;
        for (long first = 0; first < flat.shape[0]; first += elementsPerSlice)
        {
            var slice = flat.narrow(0, first, Math.Min(elementsPerSlice, flat.shape[0] - first));
            stream.Write(slice.bytes);
        }
    }
}
