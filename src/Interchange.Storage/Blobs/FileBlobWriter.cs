using System.Security.Cryptography;

namespace Interchange.Storage.Blobs;

/// <summary>A <see cref="FileBlobStore"/> write in progress: a temporary file and a running SHA-256.</summary>
internal sealed class FileBlobWriter : IBlobWriter
{
    private readonly FileBlobStore _store;
    private readonly string _tempPath;
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _committed;
    private bool _disposed;

    public FileBlobWriter(FileBlobStore store, string tempPath)
    {
        _store = store;
        _tempPath = tempPath;
        // Synchronous I/O: writes land in the page cache (async file I/O on Linux is a thread-pool
        // hop per write); only the fsync at commit waits for the disk.
        _file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.None);
    }

    /// <summary>A reader of what was written so far (before the commit: the SMTP filters read the
    /// message they judge); writing more while it is open is not allowed.</summary>
    public Stream OpenWritten()
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        _file.Flush(flushToDisk: false);
        return new FileStream(_tempPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
    }

    public long Length { get; private set; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        cancellationToken.ThrowIfCancellationRequested();
        _hash.AppendData(data.Span);
        _file.Write(data.Span);
        Length += data.Length;
        return ValueTask.CompletedTask;
    }

    public async Task<BlobRef> CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        cancellationToken.ThrowIfCancellationRequested();
        _file.Flush(flushToDisk: true);
        await _file.DisposeAsync().ConfigureAwait(false);
        var id = BlobId.FromHash(_hash.GetHashAndReset());
        var blob = _store.Publish(_tempPath, id, Length);
        _committed = true;
        return blob;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _hash.Dispose();
        if (!_committed)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            FileBlobStore.TryDelete(_tempPath);
        }
    }
}
