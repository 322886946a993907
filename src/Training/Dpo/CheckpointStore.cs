using DeltaTui.Core.IO;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// Checkpoint folders step-NNNNNNN under one parent. A checkpoint is written into a hidden temp
/// folder (every file fsynced), its manifest is written last, then the folder is renamed into
/// place and the parent fsynced: a crash at any point leaves either no checkpoint or a whole one.
/// Loading re-checks every file against the manifest, so a truncated file is never taken.
/// </summary>
public sealed class CheckpointStore(string directory, int keepLast = 2)
{
    private const string Prefix = "step-";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Directory { get; } = Path.GetFullPath(directory);

    public static string FolderName(int step) => Prefix + step.ToString("D7", CultureInfo.InvariantCulture);

    /// <param name="writeFiles">Called with the folder to fill; each call of the file writer creates, writes and fsyncs one file.</param>
    /// <returns>The completed checkpoint folder.</returns>
    public string Save(int step, Action<CheckpointWriter> writeFiles)
    {
        var final = Path.Combine(Directory, FolderName(step));
        // A network filesystem may fail for a moment: the whole folder is written again, aside, then renamed.
        AtomicFile.Retrying(final, () => SaveOnce(step, final, writeFiles));
        Prune(keep: final);
        return final;
    }

    private void SaveOnce(int step, string final, Action<CheckpointWriter> writeFiles)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temp = Path.Combine(Directory, $".{FolderName(step)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temp);
        try
        {
            var writer = new CheckpointWriter(temp);
            writeFiles(writer);
            var manifest = new CheckpointManifest(CheckpointManifest.CurrentFormat, step, writer.Entries);
            writer.WriteFile(CheckpointManifest.FileName, s => JsonSerializer.Serialize(s, manifest, Json), listed: false);
            DurableDirectory.Sync(temp);
            if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, recursive: true);
            System.IO.Directory.Move(temp, final);
            DurableDirectory.Sync(Directory);
        }
        catch
        {
            try { System.IO.Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>The newest checkpoint whose manifest and files check out, or null; <paramref name="rejected"/> says why others were passed over.</summary>
    public string? FindLatestComplete(List<string>? rejected = null)
    {
        if (!System.IO.Directory.Exists(Directory)) return null;
        foreach (var folder in Candidates().OrderByDescending(c => c.Step))
        {
            var problem = Verify(folder.Path);
            if (problem is null) return folder.Path;
            rejected?.Add($"{folder.Path}: {problem}");
        }
        return null;
    }

    /// <returns>Null when the checkpoint is complete and intact, otherwise what is wrong with it.</returns>
    public static string? Verify(string folder)
    {
        var markerPath = Path.Combine(folder, CheckpointManifest.FileName);
        if (!File.Exists(markerPath)) return $"no {CheckpointManifest.FileName} marker (the save was interrupted)";
        CheckpointManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(markerPath)); }
        catch (JsonException e) { return $"{CheckpointManifest.FileName} is not valid JSON ({e.Message})"; }
        if (manifest is null || manifest.Format != CheckpointManifest.CurrentFormat || manifest.Files is null)
            return $"{CheckpointManifest.FileName} is not a {CheckpointManifest.CurrentFormat} manifest";
        foreach (var entry in manifest.Files)
        {
            var path = Path.Combine(folder, entry.Name);
            if (!File.Exists(path)) return $"{entry.Name} is missing";
            var length = new FileInfo(path).Length;
            if (length != entry.Bytes) return $"{entry.Name} has {length} bytes, the manifest says {entry.Bytes}";
            using var stream = File.OpenRead(path);
            if (Convert.ToHexStringLower(SHA256.HashData(stream)) != entry.Sha256) return $"{entry.Name} does not match its SHA-256 in the manifest";
        }
        return null;
    }

    public static int StepOf(string folder) => JsonSerializer.Deserialize<CheckpointManifest>(
        File.ReadAllText(Path.Combine(folder, CheckpointManifest.FileName)))!.Step;

    private IEnumerable<(string Path, int Step)> Candidates()
    {
        foreach (var path in System.IO.Directory.EnumerateDirectories(Directory, Prefix + "*"))
            if (int.TryParse(Path.GetFileName(path).AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step))
                yield return (path, step);
    }

    private void Prune(string keep)
    {
        foreach (var old in Candidates().OrderByDescending(c => c.Step).Skip(keepLast))
            if (old.Path != keep)
                try { System.IO.Directory.Delete(old.Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Writes the files of one checkpoint and records them for its manifest.</summary>
public sealed class CheckpointWriter(string folder)
{
    private readonly List<CheckpointFileEntry> _entries = [];

    public string Folder { get; } = folder;

    internal IReadOnlyList<CheckpointFileEntry> Entries => _entries;

    public void WriteFile(string name, Action<Stream> write) => WriteFile(name, write, listed: true);

    internal void WriteFile(string name, Action<Stream> write, bool listed)
    {
        var path = Path.Combine(Folder, name);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        if (!listed) return;
        using var read = File.OpenRead(path);
        _entries.Add(new CheckpointFileEntry(name, read.Length, Convert.ToHexStringLower(SHA256.HashData(read))));
    }
}
