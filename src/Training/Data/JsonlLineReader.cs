using System.Security.Cryptography;

namespace DeltaTui.Training.Data;

/// <summary>
/// Splits a byte stream into lines without decoding it, so that a file of any size or encoding can be
/// checked line by line: a UTF-8 byte-order mark is skipped, UTF-16/32 ones are refused up front, a line
/// longer than the cap is reported by length and skipped without being held in memory, and every byte
/// read goes into a SHA-256 that fingerprints the file.
/// </summary>
internal sealed class JsonlLineReader(Stream stream, string file, int maxLineBytes) : IDisposable
{
    private const int ChunkBytes = 64 * 1024;

    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int byteOrderMarkLength;

    public long BytesRead { get; private set; }

    /// <summary>Bytes after the byte-order mark, if any: zero means an empty file.</summary>
    public long ContentBytes => BytesRead - byteOrderMarkLength;

    /// <summary>SHA-256 of all bytes read; call once, after the lines are consumed.</summary>
    public byte[] FileHash() => hash.GetHashAndReset();

    public IEnumerable<JsonlLine> ReadLines()
    {
        var buffer = new byte[ChunkBytes];
        var length = Read(buffer, minimum: 4);
        var position = byteOrderMarkLength = SkipByteOrderMark(buffer, length);
        var line = new byte[Math.Min(maxLineBytes, 1024)];
        var lineLength = 0;
        long lineTotal = 0;
        var number = 1;

        while (true)
        {
            if (position == length)
            {
                length = Read(buffer, minimum: 1);
                position = 0;
                if (length == 0) break;
            }

            var newline = Array.IndexOf(buffer, (byte)'\n', position, length - position);
            var end = newline < 0 ? length : newline;
            var count = end - position;
            if (lineTotal + count <= maxLineBytes)
            {
                if (lineLength + count > line.Length)
                    Array.Resize(ref line, (int)Math.Min(maxLineBytes, Math.Max(line.Length * 2L, lineLength + count)));
                Array.Copy(buffer, position, line, lineLength, count);
                lineLength += count;
            }

            lineTotal += count;
            position = newline < 0 ? length : newline + 1;
            if (newline < 0) continue;

            yield return Finish(number++, line, lineLength, lineTotal);
            lineLength = 0;
            lineTotal = 0;
        }

        if (lineTotal > 0) yield return Finish(number, line, lineLength, lineTotal);
    }

    public void Dispose() => hash.Dispose();

    private JsonlLine Finish(int number, byte[] line, int lineLength, long lineTotal)
    {
        if (lineTotal > maxLineBytes) return new JsonlLine(number, ReadOnlyMemory<byte>.Empty, lineTotal, TooLong: true);
        // Windows line ends: the \r belongs to the break, not to the JSON.
        if (lineLength > 0 && line[lineLength - 1] == (byte)'\r') lineLength--;
        return new JsonlLine(number, line.AsMemory(0, lineLength), lineLength, TooLong: false);
    }

    private int Read(byte[] buffer, int minimum)
    {
        var read = stream.ReadAtLeast(buffer, minimum, throwOnEndOfStream: false);
        hash.AppendData(buffer, 0, read);
        BytesRead += read;
        return read;
    }

    private int SkipByteOrderMark(byte[] buffer, int length)
    {
        ReadOnlySpan<byte> start = buffer.AsSpan(0, length);
        if (start.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return 3;
        var foreign = start switch
        {
            [0xFF, 0xFE, 0x00, 0x00, ..] => "UTF-32 LE (byte-order mark FF FE 00 00)",
            [0x00, 0x00, 0xFE, 0xFF, ..] => "UTF-32 BE (byte-order mark 00 00 FE FF)",
            [0xFF, 0xFE, ..] => "UTF-16 LE (byte-order mark FF FE)",
            [0xFE, 0xFF, ..] => "UTF-16 BE (byte-order mark FE FF)",
            _ => null,
        };
        if (foreign is not null)
            throw new PreferenceDataException(file, $"the file is {foreign}, not UTF-8; save it as UTF-8");
        return 0;
    }
}
