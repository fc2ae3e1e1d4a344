using System.Runtime.InteropServices;

namespace Interchange.Storage.Blobs;

/// <summary>
/// fsync of a directory, so that a rename or a new file in it survives a power cut. .NET has no
/// API for it; on Unix it is open(O_RDONLY|O_DIRECTORY) + fsync. Windows (NTFS) journals
/// metadata itself, so there it is a no-op.
/// </summary>
public static partial class DirectorySync
{
    // Plain O_RDONLY: O_DIRECTORY's value differs between architectures (0x10000 is O_DIRECT on arm64).
    private const int ORdOnly = 0;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        var fd = Open(directory, ORdOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
