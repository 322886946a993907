namespace DeltaTui.Torch.Runtime;

/// <summary>
/// Which shared libraries this process has mapped, from /proc/self/maps: the only reliable answer to
/// "which libtorch did we actually get", whatever search paths and sonames did along the way.
/// </summary>
public static class LoadedLibraries
{
    /// <summary>Distinct paths of mapped files whose name is <paramref name="fileName"/> or starts with it followed by '.' (libcudart.so → libcudart.so.12).</summary>
    public static IReadOnlyList<string> PathsOf(string fileName) =>
        MappedFiles()
            .Where(path =>
            {
                string name = Path.GetFileName(path);
                return name == fileName || name.StartsWith(fileName + ".", StringComparison.Ordinal);
            })
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>The first mapped path of <paramref name="fileName"/>, or null when it is not loaded.</summary>
    public static string? PathOf(string fileName) => PathsOf(fileName).FirstOrDefault();

    private static IEnumerable<string> MappedFiles()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (string line in lines)
        {
            // address perms offset dev inode pathname — the path is everything from the first '/'.
            int slash = line.IndexOf('/');
            if (slash >= 0)
                yield return line[slash..].Replace(" (deleted)", "", StringComparison.Ordinal);
        }
    }
}
