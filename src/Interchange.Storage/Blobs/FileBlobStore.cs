using System.Buffers;
using System.Security.Cryptography;

namespace Interchange.Storage.Blobs;

/// <summary>
/// Blobs as files under <c>root/ab/abcd…</c>. A write streams into <c>root/tmp</c> while
/// hashing, fsyncs the file, renames it to its hash, and fsyncs the directory that received
/// it: after a crash a blob is either wholly there under its name or not at all.
/// </summary>
public sealed class FileBlobStore : IBlobStore
{
    private const int BufferSize = 81920;
    private readonly string _root;
    private readonly string _tmp;

    // Shard directories whose own entries (in their parents) are known to be on disk. A writer
    // that does not find its shard here fsyncs the parents itself: the thread that created the
    // shard may not have done so yet, or may have crashed before it could.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _durableShards = new(StringComparer.Ordinal);

    public FileBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _tmp = Path.Combine(_root, "tmp");
        System.IO.Directory.CreateDirectory(_tmp);
        DirectorySync.Flush(_root);
        DirectorySync.Flush(Path.GetDirectoryName(_root)!);
        CleanTemporaryFiles();
    }

    public async Task<BlobRef> WriteAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var writer = BeginWrite();
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public IBlobWriter BeginWrite() => new FileBlobWriter(this, Path.Combine(_tmp, Guid.NewGuid().ToString("N")));

    /// <summary>Moves a fsynced temporary file to its content address and makes the rename durable.</summary>
    internal BlobRef Publish(string tempPath, BlobId id, long length)
    {
        var finalPath = PathOf(id);
        var shard = Path.GetDirectoryName(finalPath)!;
        System.IO.Directory.CreateDirectory(shard);

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                File.Move(tempPath, finalPath, overwrite: false);
                break;
            }
            catch (IOException) when (attempt < 8 && File.Exists(tempPath))
            {
                // The name is taken: the same content is stored already (content addressing).
                // Keep that file, but as just written: the collector's orphan search leaves files
                // younger than its grace, and this one is about to be referenced. If the collector
                // took it in between (the touch finds nothing), ours goes in its place instead.
                if (TryTouch(finalPath))
                {
                    File.Delete(tempPath);
                    break;
                }
            }
        }

        DirectorySync.Flush(shard);
        if (!_durableShards.ContainsKey(shard))
        {
            DirectorySync.Flush(_root);
            _durableShards.TryAdd(shard, true);
        }

        return new BlobRef(id, length);
    }

    public Stream OpenRead(BlobId id)
    {
        var path = PathOf(id);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (DirectoryNotFoundException ex)
        {
            // No blob in this shard yet: the same "no such blob" as a missing file.
            throw new FileNotFoundException($"no blob {id}", path, ex);
        }
    }

    public bool Exists(BlobId id) => File.Exists(PathOf(id));

    public bool Delete(BlobId id)
    {
        var path = PathOf(id);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    public IEnumerable<StoredBlob> Enumerate()
    {
        foreach (var shard in System.IO.Directory.EnumerateDirectories(_root))
        {
            if (Path.GetFileName(shard).Length != 2)
            {
                continue;
            }

            foreach (var file in new DirectoryInfo(shard).EnumerateFiles())
            {
                if (BlobId.TryParse(file.Name, out var id))
                {
                    yield return new StoredBlob(id, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
                }
            }
        }
    }

    /// <summary>
    /// One level of 256 shards: warm (existing and known durable) after a few hundred blobs, so a
    /// blob costs one directory fsync; a million messages make about 4,000 files per directory.
    /// </summary>
    internal string PathOf(BlobId id) => Path.Combine(_root, id.Hex[..2], id.Hex);

    private static bool TryTouch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for CleanTemporaryFiles at the next start.
        }
    }

    /// <summary>Temporary files are never referenced: whatever a crash left there is garbage.</summary>
    private void CleanTemporaryFiles()
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(_tmp))
        {
            if (File.GetLastWriteTimeUtc(file) < DateTime.UtcNow.AddHours(-1))
            {
                TryDelete(file);
            }
        }
    }
}
