using Microsoft.Win32.SafeHandles;

namespace DeltaTui.Telemetry;

/// <summary>
/// One /proc file kept open and re-read from offset 0 into a fixed buffer: the kernel regenerates
/// the text on every read at offset 0, and nothing is allocated per read. A file that is missing
/// or unreadable reads as empty, with the reason kept in <see cref="Error"/>.
/// </summary>
internal sealed class ProcFile : IDisposable
{
    private readonly string _path;
    private readonly byte[] _buffer;
    private SafeFileHandle? _handle;

    public ProcFile(string path, int bufferBytes)
    {
        _path = path;
        _buffer = new byte[bufferBytes];
    }

    public string? Error { get; private set; }

    /// <summary>The start of the file, up to the buffer's size (enough for the lines we parse); empty on failure.</summary>
    public ReadOnlySpan<byte> Read()
    {
        try
        {
            _handle ??= File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var n = RandomAccess.Read(_handle, _buffer, 0);
            Error = null;
            return _buffer.AsSpan(0, n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            Error = $"{_path}: {e.Message}";
            _handle?.Dispose();
            _handle = null;
            return [];
        }
    }

    public void Dispose() => _handle?.Dispose();
}
