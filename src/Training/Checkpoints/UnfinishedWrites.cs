using DeltaTui.Core.IO;

namespace DeltaTui.Training.Checkpoints;

/// <summary>What an interrupted durable write left behind and was removed: a temp file or a checkpoint folder written aside.</summary>
public sealed record UnfinishedWrite(string Path, long Bytes, bool IsFolder)
{
    public string Describe() =>
        $"removed the leftover of an interrupted write: {Path} ({(IsFolder ? "folder, " : "")}{Bytes:N0} bytes)";
}

/// <summary>
/// Finds and removes what writes cut short (a crash, kill -9, a full disk) left in a run's folders: only names of
/// the one temp scheme of durable writes (<see cref="AtomicFile.TempName"/>, <c>.NAME.tmp-PID-GUID</c>), never a
/// complete file, and never a temp name of this process (a write of its own may be under way).
/// </summary>
public static class UnfinishedWrites
{
    /// <summary>Removes leftovers anywhere under <paramref name="folders"/> (missing folders are skipped).</summary>
    /// <returns>What was removed, with its size.</returns>
    public static IReadOnlyList<UnfinishedWrite> Remove(IEnumerable<string> folders)
    {
        var removed = new List<UnfinishedWrite>();
        foreach (var folder in folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
            if (Directory.Exists(folder)) Sweep(new DirectoryInfo(folder), removed);
        return removed;
    }

    private static void Sweep(DirectoryInfo folder, List<UnfinishedWrite> removed)
    {
        FileSystemInfo[] entries;
        try { entries = folder.GetFileSystemInfos(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var entry in entries)
        {
            var isFolder = entry is DirectoryInfo && !entry.Attributes.HasFlag(FileAttributes.ReparsePoint);
            if (AtomicFile.TempNameProcessId(entry.Name) is { } pid)
            {
                if (pid == Environment.ProcessId) continue;
                try
                {
                    var bytes = isFolder ? SizeOf((DirectoryInfo)entry) : ((FileInfo)entry).Length;
                    if (isFolder) Directory.Delete(entry.FullName, recursive: true);
                    else File.Delete(entry.FullName);
                    removed.Add(new UnfinishedWrite(entry.FullName, bytes, isFolder));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidCastException) { }
            }
            else if (isFolder)
            {
                Sweep((DirectoryInfo)entry, removed);
            }
        }
    }

    private static long SizeOf(DirectoryInfo folder) =>
        folder.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}
