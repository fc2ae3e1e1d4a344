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
        _file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
    }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        _hash.AppendData(data.Span);
        await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        Length += data.Length;
    }

    public async Task<BlobRef> CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
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
