using System.Runtime.InteropServices;
using Polly;
using Polly.Retry;

namespace DeltaTui.Core.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a
/// torn file: the writer fills a temp file in the target's folder, the temp file is flushed and
/// fsynced, renamed over the target, and the folder is fsynced so the rename itself survives a
/// crash. Transient <see cref="IOException"/>s are retried with exponential back-off; the writer
/// delegate may therefore run more than once and must write the whole content each time.
/// </summary>
public static partial class AtomicFile
{
    private const string TempMarker = ".tmp-";

    public static void Write(string path, Action<Stream> writer, AtomicFileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(writer);
        options ??= AtomicFileOptions.Default;
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)
            ?? throw new IOException($"Cannot write '{fullPath}': it has no parent folder.");

        Retrying(fullPath, () => WriteOnce(fullPath, directory, writer), options);
    }

    /// <summary>
    /// Runs a whole write (one that cleans up after itself when it fails, such as a checkpoint folder
    /// written aside and renamed) with the same retry and back-off as single files, and the same
    /// clear error naming <paramref name="target"/> once it gives up.
    /// </summary>
    public static void Retrying(string target, Action attempt, AtomicFileOptions? options = null)
    {
        options ??= AtomicFileOptions.Default;
        var fullPath = target;
        var attempts = 0;
        try
        {
            BuildPipeline(options).Execute(() =>
            {
                attempts++;
                attempt();
            });
        }
        catch (IOException e) when (IsTransient(e))
        {
            throw new IOException(
                $"Could not write '{fullPath}' after {attempts} attempt(s): {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new IOException($"Could not write '{fullPath}': {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"Could not write '{fullPath}': access denied ({e.Message}).", e);
        }
    }

    /// <summary>Convenience for small files.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, AtomicFileOptions? options = null)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy), options);
    }

    public static void WriteAllText(string path, string text, AtomicFileOptions? options = null) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text), options);

    /// <summary>
    /// Appends <paramref name="bytes"/> (whole lines) to <paramref name="path"/> in one write, flushed to disk, with the
    /// same retry as <see cref="Write"/>: a retry first cuts the file back to where this append began, so a failed
    /// attempt never leaves a line twice. A crash can tear only the last append.
    /// </summary>
    public static void Append(string path, byte[] bytes, AtomicFileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var start = File.Exists(fullPath) ? new FileInfo(fullPath).Length : 0;
        Retrying(fullPath, () =>
        {
            using var stream = new FileStream(fullPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
            stream.SetLength(start);
            stream.Seek(start, SeekOrigin.Begin);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }, options);
    }

    /// <summary>
    /// True for names this class gives its temp files (<c>.NAME.tmp-PID-GUID</c>, see <see cref="TempName"/>), so
    /// cleanup tools can recognise leftovers of an interrupted write and never take a complete file for one.
    /// </summary>
    public static bool IsTempFileName(string fileName) => TempNamePattern().IsMatch(fileName);

    /// <summary>
    /// The one temp naming scheme of durable writes: <c>.NAME.tmp-PID-GUID</c> beside the target NAME (a file here,
    /// or a folder written aside and renamed into place, such as a checkpoint).
    /// </summary>
    public static string TempName(string targetName) =>
        $".{targetName}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>The process id inside a temp name, or null when <paramref name="fileName"/> is not one.</summary>
    public static int? TempNameProcessId(string fileName)
    {
        var match = TempNamePattern().Match(fileName);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, out var pid) ? pid : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\..+\.tmp-([0-9]+)-[0-9a-f]{32}$")]
    private static partial System.Text.RegularExpressions.Regex TempNamePattern();

    private static void WriteOnce(string fullPath, string directory, Action<Stream> writer)
    {
        Directory.CreateDirectory(directory);
        var tempPath = Path.Combine(directory, TempName(Path.GetFileName(fullPath)));
        try
        {
            using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                       bufferSize: 1 << 20, FileOptions.None))
            {
                writer(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
        SyncDirectory(directory);
    }

    private static ResiliencePipeline BuildPipeline(AtomicFileOptions options)
    {
        if (options.MaxRetries <= 0) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<IOException>(IsTransient),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.EffectiveBaseDelay,
                UseJitter = false,
            })
            .Build();
    }

    // Missing folders, bad names and a full disk will not heal by waiting; everything else might.
    private static bool IsTransient(IOException e) =>
        e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        && !IsDiskFull(e);

    private static bool IsDiskFull(IOException e)
    {
        const int enospc = 28, edquot = 122;
        var code = e.HResult & 0xFFFF;
        return (OperatingSystem.IsLinux() && (code == enospc || code == edquot))
               || (OperatingSystem.IsWindows() && (code == 0x70 || code == 0x27));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// fsync of a folder, so a rename or a new file inside it survives a crash (a file's own fsync does not
    /// persist its directory entry on Linux). Best effort: a no-op where the OS offers no such call.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        const int readOnly = 0;
        var fd = Open(directory, readOnly);
        if (fd < 0) return;
        try { _ = FSync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
