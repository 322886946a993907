using System.Text;
using System.Text.Json;

namespace DeltaTui.Formats.SafeTensors;

/// <summary>
/// Reads and validates a safetensors header with the checks of the reference implementation:
/// every size is checked before anything is allocated, arithmetic on sizes is checked, and the
/// tensors must tile the data section exactly.
/// </summary>
public static class SafeTensorsHeaderParser
{
    /// <summary>The reference implementation's limit; a bigger header is a corrupt or hostile file.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static SafeTensorsHeader Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        return Read(path, file);
    }

    public static SafeTensorsHeader Read(string path, FileStream file)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors is little-endian; this reader does not byte-swap");
        }
        var fileLength = file.Length;
        if (fileLength < 8)
        {
            throw new SafeTensorsFormatException(path, $"the file is {fileLength} bytes, shorter than the 8-byte header length prefix");
        }
        Span<byte> prefix = stackalloc byte[8];
        RandomAccess.Read(file.SafeFileHandle, prefix, 0);
        var headerLength = BitConverter.ToUInt64(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafeTensorsFormatException(path, $"the header length {headerLength} is over the {MaxHeaderBytes}-byte limit");
        }
        if ((long)headerLength > fileLength - 8)
        {
            throw new SafeTensorsFormatException(path, $"the header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        }
        var headerBytes = new byte[headerLength];
        ReadExactly(file, headerBytes, 8);
        var dataStart = 8 + (long)headerLength;
        return Parse(path, headerBytes, dataStart, fileLength - dataStart);
    }

    internal static SafeTensorsHeader Parse(string path, byte[] headerBytes, long dataStart, long dataLength)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new SafeTensorsFormatException(path, $"the header is not valid UTF-8 (bad byte at header offset {e.Index})", e);
        }
        if (!text.StartsWith('{'))
        {
            throw new SafeTensorsFormatException(path, "the header does not start with '{'");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(path, $"the header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsFormatException(path, "the header is not a JSON object");
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new SafeTensorsFormatException(path, $"the name '{property.Name}' appears more than once in the header");
                }
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    tensors.Add(ReadTensor(path, property.Name, property.Value));
                }
            }
            var ordered = ValidateLayout(path, tensors, dataLength);
            return new SafeTensorsHeader(path, ordered, metadata, dataStart);
        }
    }

    private static void ReadMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(path, $"'{MetadataKey}' must be an object of strings, not {element.ValueKind}");
        }
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsFormatException(path, $"'{MetadataKey}.{entry.Name}' must be a string, not {entry.Value.ValueKind}");
            }
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new SafeTensorsFormatException(path, $"'{MetadataKey}.{entry.Name}' appears more than once");
            }
        }
    }

    private static SafeTensorInfo ReadTensor(string path, string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}': the entry must be an object, not {element.ValueKind}");
        }
        string? dtypeName = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var field in element.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeName is null:
                    dtypeName = field.Value.ValueKind == JsonValueKind.String
                        ? field.Value.GetString()!
                        : throw new SafeTensorsFormatException(path, $"tensor '{name}': 'dtype' must be a string");
                    break;
                case "shape" when shape is null:
                    shape = ReadNonNegativeIntegers(path, name, "shape", field.Value);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadNonNegativeIntegers(path, name, "data_offsets", field.Value);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new SafeTensorsFormatException(path, $"tensor '{name}': '{field.Name}' appears more than once");
                default:
                    throw new SafeTensorsFormatException(path, $"tensor '{name}': unknown field '{field.Name}'");
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
        {
            var missing = dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new SafeTensorsFormatException(path, $"tensor '{name}': missing '{missing}'");
        }
        if (!SafeTensorsDTypes.TryParse(dtypeName, out var dtype))
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}': unknown dtype '{dtypeName}'");
        }
        if (offsets.Length != 2)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}': 'data_offsets' must have 2 entries, not {offsets.Length}");
        }
        return new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadNonNegativeIntegers(string path, string name, string field, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}': '{field}' must be an array of integers");
        }
        var values = new long[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{name}': '{field}[{i}]' must be a non-negative 64-bit integer, not {item.GetRawText()}");
            }
            values[i++] = value;
        }
        return values;
    }

    /// <summary>
    /// Tensors sorted by offsets must follow each other with no gap and no overlap, each must hold
    /// exactly shape × element size bytes, and the last must end exactly at the end of the file.
    /// </summary>
    private static List<SafeTensorInfo> ValidateLayout(string path, List<SafeTensorInfo> tensors, long dataLength)
    {
        var ordered = tensors.OrderBy(t => t.DataStart).ThenBy(t => t.DataEnd).ToList();
        long expectedStart = 0;
        foreach (var tensor in ordered)
        {
            if (tensor.DataEnd < tensor.DataStart)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{tensor.Name}': data_offsets [{tensor.DataStart}, {tensor.DataEnd}] run backwards");
            }
            if (tensor.DataStart > expectedStart)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{tensor.Name}': data starts at {tensor.DataStart}, leaving a gap after the previous tensor's end at {expectedStart}");
            }
            if (tensor.DataStart < expectedStart)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{tensor.Name}': data at {tensor.DataStart} overlaps the previous tensor, which ends at {expectedStart}");
            }
            if (tensor.DataEnd > dataLength)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{tensor.Name}': data_offsets end at {tensor.DataEnd}, past the end of the data section ({dataLength} bytes)");
            }
            long expectedBytes;
            try
            {
                long elements = 1;
                foreach (var dimension in tensor.Shape)
                {
                    elements = checked(elements * dimension);
                }
                expectedBytes = checked(elements * tensor.DType.ByteSize());
            }
            catch (OverflowException)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{tensor.Name}': shape [{string.Join(", ", tensor.Shape)}] overflows a 64-bit byte count");
            }
            if (expectedBytes != tensor.ByteLength)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{tensor.Name}': shape [{string.Join(", ", tensor.Shape)}] of {tensor.DType} needs {expectedBytes} bytes but data_offsets span {tensor.ByteLength}");
            }
            expectedStart = tensor.DataEnd;
        }
        if (expectedStart != dataLength)
        {
            throw new SafeTensorsFormatException(path, $"{dataLength - expectedStart} trailing bytes after the last tensor (tensors end at {expectedStart}, the data section has {dataLength} bytes)");
        }
        return ordered;
    }

    private static void ReadExactly(FileStream file, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(file.SafeFileHandle, buffer, offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"{file.Name}: the file ended while reading at offset {offset}");
            }
            buffer = buffer[read..];
            offset += read;
        }
    }
}
