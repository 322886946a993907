using System.Runtime.InteropServices;

namespace DeltaTui.Training.Dpo;

/// <summary>
/// fsync of a folder, so a rename or a new file inside it survives a crash (a file's own fsync
/// does not persist its directory entry on Linux). A no-op where the OS offers no such call.
/// </summary>
internal static partial class DurableDirectory
{
    private const int ReadOnly = 0;
    private const int DirectoryFlag = 0x10000; // O_DIRECTORY on Linux x86-64 and arm64

    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = Open(directory, ReadOnly | DirectoryFlag);
        if (fd < 0) return;
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
