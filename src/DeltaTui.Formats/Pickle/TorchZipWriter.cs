using System.Buffers.Binary;
using System.Text;

namespace DeltaTui.Formats.Pickle;

/// <summary>
/// Writes the zip container of a torch.save file: stored (uncompressed) records whose data starts on a
/// 64-byte boundary, padded the way PyTorch's PyTorchStreamWriter does it (an "FB" extra field filled
/// with 'Z'). Files over 4 GiB would need zip64, which masks never approach; they are refused.
/// </summary>
public sealed class TorchZipWriter
{
    public const int Alignment = 64;
    private const int LocalHeaderSize = 30;
    private const ushort VersionNeeded = 20;
    // 1980-01-01 00:00, the zip epoch: a fixed stamp keeps files byte-identical across runs.
    private const ushort DosTime = 0, DosDate = (0 << 9) | (1 << 5) | 1;

    private readonly Stream _stream;
    private readonly string _prefix;
    private readonly List<(byte[] Name, uint Crc, uint Size, uint Offset)> _entries = [];
    private long _position;
    private bool _finished;

    /// <param name="archiveName">The top-level folder of every record; torch.save uses "archive".</param>
    public TorchZipWriter(Stream stream, string archiveName = "archive")
    {
        _stream = stream;
        _prefix = archiveName + "/";
    }

    public void AddRecord(string name, ReadOnlySpan<byte> data)
    {
        if (_finished) throw new InvalidOperationException("The archive is already finished.");
        var nameBytes = Encoding.UTF8.GetBytes(_prefix + name);
        var offset = _position;
        if (offset + LocalHeaderSize + nameBytes.Length + 4 + Alignment + data.Length > uint.MaxValue)
            throw new IOException($"Record '{name}' would end past 4 GiB; zip64 is not supported for mask files.");

        var crc = Crc32.Compute(data);
        var start = offset + LocalHeaderSize + nameBytes.Length + 4;
        var padding = (int)((Alignment - start % Alignment) % Alignment);
        var extra = new byte[4 + padding];
        extra[0] = (byte)'F';
        extra[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)padding);
        extra.AsSpan(4).Fill((byte)'Z');

        Span<byte> header = stackalloc byte[LocalHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], VersionNeeded);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], DosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)extra.Length);
        Write(header);
        Write(nameBytes);
        Write(extra);
        Write(data);
        _entries.Add((nameBytes, crc, (uint)data.Length, (uint)offset));
    }

    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        var directoryStart = _position;
        Span<byte> header = stackalloc byte[46];
        foreach (var (name, crc, size, offset) in _entries)
        {
            header.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], VersionNeeded);
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], VersionNeeded);
            BinaryPrimitives.WriteUInt16LittleEndian(header[12..], DosTime);
            BinaryPrimitives.WriteUInt16LittleEndian(header[14..], DosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], size);
            BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[42..], offset);
            Write(header);
            Write(name);
        }
        var directorySize = _position - directoryStart;
        if (_position > uint.MaxValue) throw new IOException("The archive passes 4 GiB; zip64 is not supported for mask files.");

        Span<byte> end = stackalloc byte[22];
        end.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)directoryStart);
        Write(end);
        _stream.Flush();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }
}
