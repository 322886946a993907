namespace DeltaTui.Cli;

/// <summary>
/// A run that fails before its first step (bad data, a bad model) should leave no empty <c>runs/NAME/</c> behind.
/// Made before the run folder is created: remembers whether the folder (and the output root above it) already
/// existed. <see cref="Remove"/> then takes away only what this run created, and only while it holds nothing but
/// the files a run writes at its start; a folder that existed before, or that holds anything else (a user's file,
/// a checkpoint), is never touched.
/// </summary>
internal sealed class RunFolderCleanup
{
    /// <summary>What a run writes before its first step: the resolved config, the event log, TensorBoard's folder, the detached console.</summary>
    private static readonly HashSet<string> StartFiles = new(StringComparer.Ordinal) { "config.json", "metrics.jsonl", "console.log", "tensorboard", Core.Control.ControlProtocol.FolderName };

    private readonly string _runDirectory;
    private readonly IReadOnlyList<string> _createdAbove;

    private RunFolderCleanup(string runDirectory, IReadOnlyList<string> createdAbove)
    {
        _runDirectory = runDirectory;
        _createdAbove = createdAbove;
    }

    /// <returns>Null when the run folder already exists (it is never removed).</returns>
    public static RunFolderCleanup? Before(string runDirectory)
    {
        if (Directory.Exists(runDirectory) || File.Exists(runDirectory)) return null;
        // The folders above it that do not exist yet (runs/, and its parents when output_root names new ones), nearest first.
        var above = new List<string>();
        for (var folder = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(runDirectory)); folder is not null && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
            above.Add(folder);
        return new RunFolderCleanup(runDirectory, above);
    }

    /// <returns>True when the run folder was removed.</returns>
    public bool Remove()
    {
        try
        {
            if (!Directory.Exists(_runDirectory)) return false;
            foreach (var entry in Directory.EnumerateFileSystemEntries(_runDirectory))
            {
                var name = Path.GetFileName(entry);
                if (!StartFiles.Contains(name)) return false;
                if (name == "tensorboard" && Directory.EnumerateDirectories(entry).Any()) return false;
            }
            Directory.Delete(_runDirectory, recursive: true);
            foreach (var folder in _createdAbove)
            {
                if (!Directory.Exists(folder) || Directory.EnumerateFileSystemEntries(folder).Any()) break;
                Directory.Delete(folder);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // leaving a folder behind is better than failing the exit
        }
    }
}
