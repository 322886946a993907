using System.Buffers.Binary;
using System.Text;

namespace DeltaTui.Formats.Pickle;

/// <summary>
/// Reads the stored (uncompressed) zip records of a torch.save file. Only what such files use is
/// supported; compressed, encrypted or zip64 entries are rejected with an error naming the entry.
/// </summary>
public sealed class TorchZipReader
{
    private readonly Stream _stream;
    private readonly Dictionary<string, (long LocalOffset, uint Size, uint Crc)> _entries = new(StringComparer.Ordinal);

    public TorchZipReader(Stream stream)
    {
        if (!stream.CanSeek) throw new ArgumentException("The zip stream must be seekable.", nameof(stream));
        _stream = stream;
        ReadCentralDirectory();
        var pickles = _entries.Keys.Where(k => k.EndsWith("/data.pkl", StringComparison.Ordinal) && k.Count(c => c == '/') == 1).ToList();
        if (pickles.Count != 1)
            throw new InvalidDataException(pickles.Count == 0
                ? "not a torch.save archive: no '<name>/data.pkl' record"
                : $"ambiguous torch.save archive: {pickles.Count} data.pkl records");
        Prefix = pickles[0][..^"data.pkl".Length];
    }

    /// <summary>The top-level folder with its slash, e.g. "archive/".</summary>
    public string Prefix { get; }

    public IReadOnlyCollection<string> EntryNames => _entries.Keys;

    public bool Contains(string recordName) => _entries.ContainsKey(Prefix + recordName);

    /// <summary>Reads a record (name relative to <see cref="Prefix"/>) and checks its CRC.</summary>
    public byte[] Read(string recordName)
    {
        var name = Prefix + recordName;
        if (!_entries.TryGetValue(name, out var entry)) throw new InvalidDataException($"record '{name}' is missing");
        Span<byte> local = stackalloc byte[30];
        _stream.Position = entry.LocalOffset;
        ReadExactly(local, name);
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != 0x04034b50)
            throw new InvalidDataException($"record '{name}' has no local header where the directory says");
        var dataStart = entry.LocalOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local[26..])
                        + BinaryPrimitives.ReadUInt16LittleEndian(local[28..]);
        if (dataStart + entry.Size > _stream.Length) throw new InvalidDataException($"record '{name}' runs past the end of the file (truncated?)");
        var data = new byte[entry.Size];
        _stream.Position = dataStart;
        ReadExactly(data, name);
        if (Crc32.Compute(data) != entry.Crc) throw new InvalidDataException($"record '{name}' fails its CRC check (corrupted)");
        return data;
    }

    private void ReadCentralDirectory()
    {
        var length = _stream.Length;
        var tailLength = (int)Math.Min(length, 22 + ushort.MaxValue);
        var tail = new byte[tailLength];
        _stream.Position = length - tailLength;
        ReadExactly(tail, "end of central directory");
        var endAt = -1;
        for (var i = tailLength - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == 0x06054b50) { endAt = i; break; }
        }
        if (endAt < 0) throw new InvalidDataException("not a zip file (no end of central directory; truncated?)");
        var end = tail.AsSpan(endAt);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(end[10..]);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(end[12..]);
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(end[16..]);
        if (count == ushort.MaxValue || offset == uint.MaxValue) throw new InvalidDataException("zip64 archives are not supported");
        if ((long)offset + size > length) throw new InvalidDataException("the zip central directory lies past the end of the file (truncated?)");

        var directory = new byte[size];
        _stream.Position = offset;
        ReadExactly(directory, "central directory");
        var pos = 0;
        for (var n = 0; n < count; n++)
        {
            if (pos + 46 > directory.Length || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(pos)) != 0x02014b50)
                throw new InvalidDataException($"zip central directory entry {n} is damaged");
            var h = directory.AsSpan(pos);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            var compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            var uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            var localOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            if (pos + 46 + nameLength > directory.Length) throw new InvalidDataException($"zip central directory entry {n} is damaged");
            var name = Encoding.UTF8.GetString(h.Slice(46, nameLength));
            if ((flags & 1) != 0) throw new InvalidDataException($"record '{name}' is encrypted");
            if (method != 0) throw new InvalidDataException($"record '{name}' is compressed (method {method}); torch.save stores records uncompressed");
            if (compressed == uint.MaxValue || localOffset == uint.MaxValue) throw new InvalidDataException($"record '{name}' uses zip64, which is not supported");
            if (compressed != uncompressed) throw new InvalidDataException($"record '{name}' has inconsistent sizes");
            if (!_entries.TryAdd(name, (localOffset, uncompressed, crc))) throw new InvalidDataException($"record '{name}' appears twice");
            pos += 46 + nameLength + extraLength + commentLength;
        }
    }

    private void ReadExactly(Span<byte> buffer, string what)
    {
        try { _stream.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new InvalidDataException($"unexpected end of file reading {what} (truncated?)"); }
    }
}
